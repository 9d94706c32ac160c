import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { type LimitClass, newRateState, RateLimits, type RateState } from './rate-limits.ts';

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
