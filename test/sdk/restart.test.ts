// A node drained for a restart (SIGUSR2): SDK clients get `shutdown {reason: "restart"}`, go
// offline with reason `restart`, reconnect with backoff to the same address, where the next
// node (same data dir) now listens, and go on: nothing sent meanwhile is lost or doubled.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CloseInfo, SentMessage, Shutdown } from '../../src/client/index.ts';
import { cleanup, startServer, waitExit } from '../protocol/harness.ts';
import { closeDurable, reconnectingPair, restartOnSamePort, until } from './durable.ts';
import { closeAllSdk, within } from './helpers.ts';

afterEach(() => {
  closeAllSdk();
  closeDurable();
});
afterAll(cleanup);

describe('sdk across a rolling restart', () => {
  it('reconnects after `shutdown {reason: restart}` and loses nothing sent meanwhile', async () => {
    const first = await startServer();
    const { b, ca, cb, got } = await reconnectingPair(first.port, 'rr');
    const told: Shutdown[] = [];
    const offline: CloseInfo[] = [];
    for (const c of [ca, cb]) {
      c.on('shutdown', (s) => told.push(s));
      c.on('offline', (info) => offline.push(info));
    }
    const texts: string[] = [];
    const replies: Array<Promise<SentMessage>> = [];
    const send = (n: number) => {
      for (let i = 0; i < n; i++) {
        texts.push(`r${texts.length}`);
        replies.push(ca.messageUser(b, texts[texts.length - 1] as string));
      }
    };
    send(5);
    await within(Promise.all(replies), 10_000, 'the first sends answered');

    first.proc.kill('SIGUSR2');
    expect((await waitExit(first, 15_000)).code).toBe(0);
    await until(ca, () => ca.isOffline, 'the sender is offline');
    await until(cb, () => cb.isOffline, 'the recipient is offline');
    expect(told).toEqual([
      { reason: 'restart', by: null },
      { reason: 'restart', by: null },
    ]);
    expect(offline.map((o) => o.reason)).toEqual(['restart', 'restart']);
    send(5); // while no node listens: queued, sent once the client is back

    const second = await restartOnSamePort(first);
    expect(second.port).toBe(first.port);
    send(5);
    const sent = await within(Promise.all(replies), 20_000, 'every send answered');
    expect(sent.map((r) => r.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    await until(cb, () => got.length >= 15, 'the recipient has everything', 20_000);
    expect(got.map((m) => m.text)).toEqual(texts);
    // Back online too (a client turns online once its login's replay is in, which may
    // come a moment after the last message did).
    await until(ca, () => !ca.isOffline, 'the sender is online again');
    await until(cb, () => !cb.isOffline, 'the recipient is online again');
  }, 60_000);
});
