import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../../storage/storage.ts';
import { ManualClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { AddressSet } from '../security/addresses.ts';
import { LoginThrottle } from './login-throttle.ts';

function throttle(exempt: string[] = [], clock = new ManualClock(0)) {
  return new LoginThrottle(loadConfig().login, new AddressSet(exempt), clock);
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

  it('locks a name without an account after 100 failures, as it would an account', async () => {
    const clock = new ManualClock(0);
    const t = throttle([], clock);
    for (let i = 0; i < 100; i++) await t.unknownFailed('ghost');
    const refusal = async (fn: () => void | Promise<void>) => {
      try {
        await fn();
        return undefined;
      } catch (e) {
        return e;
      }
    };
    const ghostRefusal = await refusal(() => t.checkUnknown('ghost'));
    expect(ghostRefusal).toMatchObject({ code: 'forbidden' });
    expect(ghostRefusal).toEqual(
      await refusal(() => t.checkAccount({ failedLogins: 100, lastFailedAt: 0 } as UserRecord)),
    );
    // Remembered for a day after the last failure, then forgotten.
    clock.advance(24 * 3_600_000 + 1);
    expect(await refusal(() => t.checkUnknown('ghost'))).toBeUndefined();
  });
});
