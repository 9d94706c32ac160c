// Reconnecting: sends survive a kill -9 of the server (resent with the same client_id, each
// received once), and the waits between attempts follow the backoff (on a fake clock).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type SentMessage } from '../../src/client/index.ts';
import { cleanup, startServer } from '../protocol/harness.ts';
import { sleep } from '../protocol/util.ts';
import {
  closeDurable,
  connectAndLogin,
  cuttableClient,
  reconnectingPair,
  restartOnSamePort,
  until,
} from './durable.ts';
import { closeAllSdk, nextEvent, registerSdk, within } from './helpers.ts';

afterEach(() => {
  closeAllSdk();
  closeDurable();
});
afterAll(cleanup);

describe('sdk reconnect across kill -9', () => {
  it('resends unanswered sends with the same client_id; the recipient gets each once, in order', async () => {
    let server = await startServer();
    const { b, ca, cb, got } = await reconnectingPair(server.port, 'rs');
    let offline = 0;
    ca.on('offline', () => offline++);

    const texts: string[] = [];
    const replies: Array<Promise<SentMessage>> = [];
    const sendSome = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const text = `k${texts.length}`;
        texts.push(text);
        replies.push(ca.messageUser(b, text));
        if (i % 10 === 9) await sleep(2);
      }
    };
    await sendSome(150);
    // Some sends surely unanswered at the kill: the server is frozen while they go out.
    server.proc.kill('SIGSTOP');
    await sendSome(30);
    expect(ca.unsentCount).toBeGreaterThanOrEqual(30);
    server.proc.kill('SIGKILL');
    await server.exited;
    await sendSome(50); // while the server is down: queued (or cut off, and kept)
    await until(ca, () => ca.isOffline, 'the sender notices');
    server = await restartOnSamePort(server);
    await sendSome(50);
    const sent = await within(Promise.all(replies), 20_000, 'every send answered');
    expect(offline).toBe(1);
    // Each stored once: 280 distinct positions 1..280, in the order they were sent.
    expect(sent.map((r) => r.seq)).toEqual(Array.from({ length: 280 }, (_, i) => i + 1));
    await until(cb, () => got.length >= 280, 'the recipient has everything', 20_000);
    await sleep(100); // anything more (a duplicate) would arrive now
    expect(got.map((m) => m.text)).toEqual(texts);
    expect(got.map((m) => m.seq)).toEqual(sent.map((r) => r.seq));
  }, 60_000);
});

describe('sdk reconnect backoff (fake clock)', () => {
  it('waits initial × factor^n with jitter, capped, then resumes and sends what was queued', async () => {
    let server = await startServer();
    const { name, client: first } = await registerSdk(server.port, 'bo');
    first.close();
    const clock = new ManualClock();
    const { client: c, box } = cuttableClient({
      clock,
      heartbeat: false,
      helloProbeMs: 0,
      autoAck: false,
      random: () => 0.5, // equal jitter: 3/4 of the base wait
      reconnect: { initialDelayMs: 1000, factor: 2, maxDelayMs: 4000 },
    });
    await connectAndLogin(c, server.port, name);
    const opened = box.opened;
    const plans: Array<{ attempt: number; delayMs: number; error?: Error }> = [];
    c.on('reconnecting', (r) => plans.push(r));
    const offline = nextEvent(c, 'offline');
    server.proc.kill('SIGKILL');
    await server.exited;
    await offline;
    const note = c.messageUser(name, 'written while offline');
    const waits = [750, 1500, 3000, 3000];
    for (const [i, wait] of waits.entries()) {
      await until(c, () => plans.length === i + 1, `plan ${i + 1}`);
      expect(plans[i]).toMatchObject({ attempt: i + 1, delayMs: wait });
      const error = plans[i]?.error as NodeJS.ErrnoException | undefined;
      if (i > 0) expect(error?.code).toBe('ECONNREFUSED');
      if (i === waits.length - 1) server = await restartOnSamePort(server);
      clock.advance(wait - 1);
      expect(box.opened).toBe(opened + i); // not yet
      clock.advance(1);
      expect(box.opened).toBe(opened + i + 1); // the attempt starts when the wait is over
    }
    const online = await nextEvent(c, 'online');
    expect(online.username).toBe(name);
    expect(await within(note, 5000, 'the queued send')).toMatchObject({ seq: 1 });
    expect(plans).toHaveLength(4);
  }, 30_000);
});
