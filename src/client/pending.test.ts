// Tag matching, per-request timeouts and failAll, on a hand-moved clock.
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { ConnectionClosedError, RequestTimeoutError, ServerError } from './errors.ts';
import { PendingRequests } from './pending.ts';

describe('PendingRequests', () => {
  it('matches replies to requests by tag, in any order', async () => {
    const clock = new ManualClock();
    const p = new PendingRequests(clock, 1000);
    const [t1, t2] = [p.nextTag(), p.nextTag()];
    expect(t1).not.toBe(t2);
    const r1 = p.add(t1, 'who');
    const r2 = p.add(t2, 'kick');
    expect(p.settle({ tag: 'nope', ok: true, data: 0 })).toBe(false);
    expect(p.settle({ tag: t2, ok: false, error: { code: 'forbidden', message: 'no' } })).toBe(
      true,
    );
    expect(p.settle({ tag: t1, ok: true, data: 'one' })).toBe(true);
    expect(p.settle({ tag: t1, ok: true, data: 'again' })).toBe(false);
    await expect(r1).resolves.toBe('one');
    const err = await r2.catch((e: ServerError) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ code: 'forbidden', action: 'kick' });
    expect(clock.pending).toBe(0);
  });

  it('times a request out, and a late reply is ignored', async () => {
    const clock = new ManualClock();
    const p = new PendingRequests(clock, 1000);
    const tag = p.nextTag();
    const r = p.add(tag, 'ping');
    clock.advance(999);
    expect(p.size).toBe(1);
    clock.advance(1);
    await expect(r).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(p.settle({ tag, ok: true, data: 'pong' })).toBe(false);
  });

  it('carries retry_after_ms and rejects everything on failAll', async () => {
    const clock = new ManualClock();
    const p = new PendingRequests(clock, 1000);
    const limited = p.add('a', 'message_user');
    p.settle({
      tag: 'a',
      ok: false,
      error: { code: 'rate_limited', message: 'slow down', retry_after_ms: 250 },
    });
    await expect(limited).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 250 });
    const waiting = [p.add('b', 'who'), p.add('c', 'who')];
    p.failAll('kicked');
    for (const w of waiting) {
      const err = await w.catch((e: ConnectionClosedError) => e);
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect(err).toMatchObject({ reason: 'kicked' });
    }
    expect(clock.pending).toBe(0);
  });
});
