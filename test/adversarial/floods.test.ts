// Output and chat floods: a client that stops reading while flooded, and a
// sender over its chat rate limit. Nothing is lost or left behind.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, registerClient } from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { codeOf, emailFor, PASSWORD, pollUntil, sleep, uniqueName } from '../protocol/util.ts';
import { expectBoundedMemory, MemoryWatch, record } from './measure.ts';
import { assertControlStillWorks, CONTROL, itSurvives, onlineUsers, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

describe('a client that stops reading', () => {
  const arena = useArena({ config: { limits: { send_queue_bytes: 65_536 } } });

  it('is dropped with slow_consumer and leaves no online entry behind', async () => {
    const mem = new MemoryWatch(arena().pid);
    const [f, v] = [uniqueName('flooder'), uniqueName('sleeper')];
    const flooder = await registerClient(arena().port, f, PASSWORD, emailFor(f));
    const sleeper = await registerClient(arena().port, v, PASSWORD, emailFor(v));
    sleeper.pause();
    const text = '😀'.repeat(4000); // 16 KB of UTF-8 per message
    const deadline = Date.now() + 30_000;
    let delivered = 0;
    let last = 'OK';
    // Pipelined batches: the kernel buffers fill first, then the server's send queue.
    while (last === 'OK' && delivered < 5_000 && Date.now() < deadline) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, () => flooder.call('msg', [v, text], 10_000)),
      );
      for (const r of batch) {
        last = codeOf(r);
        if (last !== 'OK') break;
        // Once the sleeper is dropped, messages are stored for it instead.
        if (r.data.delivered === false) {
          last = 'stored';
          break;
        }
        delivered += 1;
      }
    }
    expect(last, `after ${delivered} delivered messages`).toBe('stored');
    // Offline at once, although its socket may still be open.
    const who = await onlineUsers(arena().alice);
    expect(who.names).not.toContain(v);
    expect(who.names).toEqual(expect.arrayContaining([...CONTROL, f]));
    // Read again within the server's close grace, to see the farewell.
    sleeper.resume();
    expect(codeOf(await flooder.call('ping'))).toBe('OK');
    expectBoundedMemory(mem, 'slow consumer');
    record('slow consumer', { delivered_before_drop: delivered, bytes_each: 16_000 });
    await sleeper.waitClosed(10_000);
    // It was told why before the close (it resumed reading within the close grace).
    expect(sleeper.received.filter((x) => x.event === 'disconnect').map((x) => x.data)).toEqual([
      { reason: 'slow_consumer' },
    ]);
    expect(arena().server.output.stdout).toContain('dropping slow consumer');
    await assertControlStillWorks(arena());
  }, 60_000);

  itSurvives(arena);
});

describe('chat over the rate limit', () => {
  // The shipped defaults (the harness lifts them for other suites).
  const arena = useArena({
    config: {
      rate_limits: {
        chat: { points: 5, duration_s: 3, burst_points: 5, burst_duration_s: 60 },
        default: { points: 10, duration_s: 1, burst_points: 10, burst_duration_s: 10 },
        auth: { points: 10, duration_s: 60, burst_points: 0, burst_duration_s: 60 },
      },
    },
  });

  it('answers each of 200 messages sent within a second: delivered or rate_limited, none lost', async () => {
    const mem = new MemoryWatch(arena().pid);
    const [s, r] = [uniqueName('spammer'), uniqueName('inbox')];
    const sender = await registerClient(arena().port, s, PASSWORD, emailFor(s));
    const receiver = await registerClient(arena().port, r, PASSWORD, emailFor(r));
    const started = Date.now();
    const pending = [];
    // 20 bursts of 10, 50 ms apart.
    for (let i = 0; i < 200; i++) {
      pending.push(sender.call('msg', [r, `spam ${i}`], 10_000));
      if (i % 10 === 9) await sleep(50);
    }
    const replies = await Promise.all(pending);
    const spreadMs = Date.now() - started;
    const ok = replies.filter((x) => x.ok);
    const limited = replies.filter((x) => codeOf(x) === 'rate_limited');
    expect(ok.length + limited.length).toBe(200);
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThan(0);
    for (const x of limited) expect(x.error?.retry_after_ms).toBeGreaterThan(0);
    // The receiver gets exactly the accepted ones: same ids, same texts, none extra.
    const expected = new Map(ok.map((x, k) => [x.data.id as string, k]));
    const messages = () => receiver.received.filter((x) => x.event === 'message');
    await pollUntil(async () => messages().length >= expected.size, 5_000);
    await sleep(200);
    const got = messages().map((x) => x.data.id as string);
    expect(got.sort()).toEqual([...expected.keys()].sort());
    const okTexts = replies.flatMap((x, i) => (x.ok ? [`spam ${i}`] : []));
    expect(messages().map((x) => x.data.text)).toEqual(okTexts);
    record('chat flood (default limits)', {
      sent: 200,
      spread_ms: spreadMs,
      delivered: ok.length,
      rate_limited: limited.length,
    });
    // Other classes are unaffected, and the sender is still connected.
    expect(codeOf(await sender.call('get_id'))).toBe('OK');
    expectBoundedMemory(mem, 'chat flood');
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});
