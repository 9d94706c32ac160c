// The SDK over WebSocket: the same Client, given a `url`, talks to /ws; it chats
// with a TCP client, reconnects after the socket drops, and the browser entry
// point holds no Node module.
import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ChatMessage, Client } from '../../src/client/index.ts';
import { cleanup, useServer } from '../protocol/harness.ts';
import { emailFor, uniqueName } from '../protocol/util.ts';
import { closeAllSdk, nextEvent, PASS, registerSdk, WAIT_MS } from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

const made: Client[] = [];
afterEach(() => {
  for (const c of made.splice(0)) c.close();
});

describe('sdk over WebSocket', () => {
  const server = useServer();
  const url = () => `ws://127.0.0.1:${server().httpPort}/ws`;

  it('registers, and exchanges messages with a TCP client both ways', async () => {
    const ws = new Client({ requestTimeoutMs: WAIT_MS });
    made.push(ws);
    const hello = await ws.connect({ url: url() });
    expect(hello.protocol).toBe(1);
    const name = uniqueName('sdkws');
    await ws.register(name, PASS, emailFor(name));
    expect(ws.isLoggedIn).toBe(true);
    const tcp = await registerSdk(server().port, 'sdktcp');

    const atTcp = nextEvent(tcp.client, 'message');
    const sent = await ws.messageUser(tcp.name, 'over ws ✓');
    expect(sent.delivered).toBe(true);
    expect(await atTcp).toMatchObject({ id: sent.id, from: name, text: 'over ws ✓' });

    const atWs = nextEvent(ws, 'message');
    await tcp.client.messageUser(name, 'over tcp');
    const got: ChatMessage = await atWs;
    expect(got).toMatchObject({ from: tcp.name, text: 'over tcp' });
  });

  it('rejects connect() when the upgrade is refused', async () => {
    const ws = new Client({ requestTimeoutMs: WAIT_MS });
    made.push(ws);
    await expect(
      ws.connect({ url: `ws://127.0.0.1:${server().httpPort}/not-ws` }),
    ).rejects.toThrow();
  });

  it('keeps the browser entry point free of Node modules and of the TCP transport', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)) {
        const spec = m[1] as string;
        const typeOnly = /^(?:import|export) type /.test(m[0]);
        if (typeOnly) continue;
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\.?\//);
        visit(new URL(spec, `file://${file}`).pathname);
      }
    };
    visit(new URL('../../src/client/browser.ts', import.meta.url).pathname);
    expect([...seen].some((f) => f.endsWith('/transport.ts'))).toBe(false);
    expect([...seen].some((f) => f.endsWith('/ws-transport.ts'))).toBe(true);
  });
});
