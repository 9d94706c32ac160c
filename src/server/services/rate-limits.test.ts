import { describe, expect, it } from 'vitest';
import type { ActionError } from '../../protocol/errors.ts';
import { ManualClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import {
  EXCESS_MIN_REFUSED,
  ExcessTracker,
  type LimitClass,
  newRateState,
  RateLimits,
  type RateState,
} from './rate-limits.ts';

/** Takes `n` requests; how many passed and the last retry_after_ms. */
function count(limits: RateLimits, cls: LimitClass, state: RateState, n: number) {
  let ok = 0;
  let retry = 0;
  for (let i = 0; i < n; i++) {
    try {
      limits.take(cls, state);
      ok++;
    } catch (err) {
      expect(err).toMatchObject({ code: 'rate_limited' });
      retry = (err as { retryAfterMs: number }).retryAfterMs;
    }
  }
  return { ok, retry };
}

describe('RateLimits (defaults)', () => {
  it('lets a burst of 10 chat messages through, then answers rate_limited with retry_after_ms', () => {
    const clock = new ManualClock(1_000_000);
    const limits = new RateLimits(loadConfig().rate_limits, clock);
    const state = newRateState();
    const { ok, retry } = count(limits, 'chat', state, 50);
    expect(ok).toBe(10);
    expect(retry).toBe(3_000);
    clock.advance(1_000);
    expect(count(limits, 'chat', state, 1).retry).toBe(2_000);
  });

  it('refills the steady rate each window while the burst allowance stays spent', () => {
    const clock = new ManualClock(1_000_000);
    const limits = new RateLimits(loadConfig().rate_limits, clock);
    const state = newRateState();
    expect(count(limits, 'chat', state, 50).ok).toBe(10);
    clock.advance(3_000);
    expect(count(limits, 'chat', state, 50).ok).toBe(5);
    clock.advance(57_000);
    expect(count(limits, 'chat', state, 50).ok).toBe(10);
  });

  it('allows a burst of 20 default requests', () => {
    const limits = new RateLimits(loadConfig().rate_limits, new ManualClock(5));
    expect(count(limits, 'default', newRateState(), 50).ok).toBe(20);
  });

  it('keeps classes and connections apart', () => {
    const limits = new RateLimits(loadConfig().rate_limits, new ManualClock(5));
    const one = newRateState();
    count(limits, 'chat', one, 50);
    expect(count(limits, 'default', one, 5).ok).toBe(5);
    expect(count(limits, 'chat', newRateState(), 5).ok).toBe(5);
  });
});

// One client on a clock the test moves: sends pings, reports what happened.
function client(excessS: number) {
  const clock = new ManualClock(1_000_000);
  const config = loadConfig({ flags: { 'rate_limits.excess_disconnect_s': excessS } });
  const limits = new RateLimits(config.rate_limits, clock);
  const state = newRateState();
  const excess = new ExcessTracker(excessS * 1000);
  const seen = { ok: 0, limited: 0, cutAtMs: undefined as number | undefined };
  const start = clock.now();
  return {
    seen,
    /** Sends one request at the current time, as a connection would. */
    send() {
      if (seen.cutAtMs !== undefined) return;
      let limited = false;
      try {
        limits.take('default', state);
        seen.ok++;
      } catch (err) {
        expect((err as ActionError).code).toBe('rate_limited');
        limited = true;
        seen.limited++;
      }
      if (excess.record(clock.now(), limited)) seen.cutAtMs = clock.now() - start;
    },
    wait(ms: number) {
      clock.advance(ms);
    },
  };
}

describe('continued excess', () => {
  it('cuts a client pinging at 4x the default limit within two windows', () => {
    const c = client(2);
    for (let i = 0; i < 7 * 40; i++) {
      c.send();
      c.wait(25);
    }
    expect(c.seen.cutAtMs).toBeDefined();
    expect(c.seen.cutAtMs).toBeGreaterThanOrEqual(2_000);
    expect(c.seen.cutAtMs).toBeLessThanOrEqual(4_000);
  });

  it('keeps a client that bursts a little past its limit, then pauses', () => {
    const c = client(2);
    for (let burst = 0; burst < 60; burst++) {
      for (let i = 0; i < 15; i++) c.send();
      c.wait(1_100);
    }
    expect(c.seen.limited).toBeGreaterThan(0);
    expect(c.seen.cutAtMs).toBeUndefined();
  });

  it('keeps a client after one huge burst, however it goes on', () => {
    for (const gapMs of [50, 500, 1_000, 1_999, 2_000]) {
      const c = client(2);
      for (let i = 0; i < 500; i++) c.send();
      expect(c.seen.limited).toBeGreaterThan(400);
      for (let i = 0; i < 40; i++) {
        c.wait(gapMs < 500 ? 1_000 : gapMs);
        c.send();
      }
      expect(c.seen.cutAtMs, `next request after ${gapMs} ms`).toBeUndefined();
    }
  });

  it('needs the minimum number of refusals in the window', () => {
    const t = new ExcessTracker(1_000);
    // A few refused requests a second, every one of them refused, for a long time.
    let now = 0;
    for (let i = 0; i < 100; i++) {
      expect(t.record(now, true)).toBe(false);
      now += 1_000 / (EXCESS_MIN_REFUSED - 1);
    }
  });

  it('forgets a flood that stopped: the hold starts again', () => {
    const t = new ExcessTracker(1_000);
    // Refused every 50 ms, from `from` on, until cut; returns how long that took.
    const floodUntilCut = (from: number, maxMs: number) => {
      for (let at = from; at - from <= maxMs; at += 50) {
        if (t.record(at, true)) return at - from;
      }
      return undefined;
    };
    expect(floodUntilCut(0, 900)).toBeUndefined();
    // Over its limits from the 5th refusal (200 ms in), cut a window later.
    expect(floodUntilCut(5_000, 3_000)).toBe(200 + 1_000);
  });
});
