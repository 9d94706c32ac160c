import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { AddressSet } from '../security/addresses.ts';
import { LoginThrottle } from './login-throttle.ts';

function throttle(exempt: string[] = []) {
  return new LoginThrottle(loadConfig().login, new AddressSet(exempt), new ManualClock(0));
}

describe('LoginThrottle', () => {
  it('backs off from 1 s after 5 failures, doubling up to 15 min', () => {
    const t = throttle();
    expect([0, 4, 5, 6, 7, 14, 15, 99].map((n) => t.backoffMs(n))).toEqual([
      0, 0, 1_000, 2_000, 4_000, 512_000, 900_000, 900_000,
    ]);
  });

  it('blocks an address after 20 failures; exempt addresses are never blocked', async () => {
    const t = throttle(['127.0.0.0/8']);
    for (let i = 0; i < 19; i++) await t.addressFailed('10.9.9.9');
    await expect(t.checkAddress('10.9.9.9')).resolves.toBeUndefined();
    await t.addressFailed('::ffff:10.9.9.9');
    const refused = await t.checkAddress('10.9.9.9').catch((e) => e);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect(refused.retryAfterMs).toBeGreaterThan(590_000);
    await expect(t.checkAddress('10.9.9.8')).resolves.toBeUndefined();
    for (let i = 0; i < 30; i++) await t.addressFailed('127.0.0.1');
    await expect(t.checkAddress('127.0.0.1')).resolves.toBeUndefined();
  });
});
