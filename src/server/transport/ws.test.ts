import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WsTransport } from './ws.ts';

const open: Array<{ close(): void }> = [];

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** A real loopback WebSocket: the server side wrapped in a WsTransport, the client's messages. */
async function pair() {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  open.push(server, wss);
  const accepted = new Promise<{ transport: WsTransport; socket: Duplex }>((resolve) => {
    server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) =>
        resolve({ transport: new WsTransport(ws, socket, '127.0.0.1', undefined), socket }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const messages: string[] = [];
  client.on('message', (d) => messages.push(d.toString()));
  const closed = new Promise<number>((resolve) => client.once('close', resolve));
  const { transport, socket } = await accepted;
  return { transport, socket, messages, closed };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('WsTransport', () => {
  it('sends each frame as its own message without the newline, one turn corked together', async () => {
    const { transport, socket, messages } = await pair();
    const cork = vi.spyOn(socket, 'cork');
    transport.write('{"a":1}\n');
    transport.write('{"b":"ü"}\n');
    expect(cork).not.toHaveBeenCalled();
    expect(transport.bufferedBytes()).toBeGreaterThan(0);
    await nextTurn();
    // Ours, around the turn's messages (ws corks each frame inside it too).
    expect(cork).toHaveBeenCalled();
    for (let i = 0; i < 100 && messages.length < 2; i++) await nextTurn();
    expect(messages).toEqual(['{"a":1}', '{"b":"ü"}']);
  });

  it('flushes what is pending, then closes with the code of the cause', async () => {
    const { transport, messages, closed } = await pair();
    transport.write('{"event":"disconnect"}\n');
    transport.close('policy');
    expect(await closed).toBe(1008);
    expect(messages).toEqual(['{"event":"disconnect"}']);
  });
});
