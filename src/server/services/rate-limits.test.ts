import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { RateLimits } from './rate-limits.ts';

async function count(limits: RateLimits, cls: 'chat' | 'default' | 'auth', key: string, n: number) {
  let ok = 0;
  let retry = 0;
  for (let i = 0; i < n; i++) {
    try {
      await limits.take(cls, key);
      ok++;
    } catch (err) {
      expect(err).toMatchObject({ code: 'rate_limited' });
      retry = (err as { retryAfterMs: number }).retryAfterMs;
    }
  }
  return { ok, retry };
}

describe('RateLimits (defaults)', () => {
  it('lets a burst of 10 chat messages through, then answers rate_limited with retry_after_ms', async () => {
    const limits = new RateLimits(loadConfig().rate_limits);
    const { ok, retry } = await count(limits, 'chat', 'conn-1', 50);
    expect(ok).toBe(10);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(3_000);
  });

  it('allows a burst of 20 default requests', async () => {
    const limits = new RateLimits(loadConfig().rate_limits);
    expect((await count(limits, 'default', 'conn-1', 50)).ok).toBe(20);
  });

  it('keeps classes and connections apart', async () => {
    const limits = new RateLimits(loadConfig().rate_limits);
    await count(limits, 'chat', 'conn-1', 50);
    expect((await count(limits, 'default', 'conn-1', 5)).ok).toBe(5);
    expect((await count(limits, 'chat', 'conn-2', 5)).ok).toBe(5);
  });
});
