import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TcpTransport } from './tcp.ts';

const open: net.Server[] = [];

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** A real loopback connection: the server side wrapped in a TcpTransport, the client reading text. */
async function pair(): Promise<{
  transport: TcpTransport;
  socket: net.Socket;
  received: () => string;
  ended: Promise<void>;
}> {
  const server = net.createServer();
  open.push(server);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  let text = '';
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => client.once('end', resolve));
  const socket = await accepted;
  return { transport: new TcpTransport(socket), socket, received: () => text, ended };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TcpTransport', () => {
  it('sends the frames of one event-loop turn in one socket write, in order', async () => {
    const { transport, socket, received } = await pair();
    const write = vi.spyOn(socket, 'write');
    transport.write('{"a":1}\n');
    transport.write('{"b":"ü"}\n');
    transport.write('{"c":3}\n');
    expect(write).not.toHaveBeenCalled();
    expect(transport.bufferedBytes()).toBeGreaterThan(0);
    await nextTurn();
    expect(write).toHaveBeenCalledTimes(1);
    transport.write('{"d":4}\n');
    await nextTurn();
    expect(write).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 50 && received().split('\n').length < 5; i++) await nextTurn();
    expect(received()).toBe('{"a":1}\n{"b":"ü"}\n{"c":3}\n{"d":4}\n');
  });

  it('flushes what is pending before it closes', async () => {
    const { transport, received, ended } = await pair();
    transport.write('{"event":"disconnect"}\n');
    transport.close();
    await ended;
    expect(received()).toBe('{"event":"disconnect"}\n');
  });
});
