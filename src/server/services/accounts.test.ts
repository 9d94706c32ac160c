import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { ManualClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { Levels } from '../levels.ts';
import { AddressSet } from '../security/addresses.ts';
import { HashGate } from '../security/hash-gate.ts';
import { needsRehash } from '../security/passwords.ts';
import { Accounts } from './accounts.ts';
import { LoginThrottle } from './login-throttle.ts';

const IP = '10.1.2.3';
const GOOD = 'purple lantern dawn';

function setup() {
  const config = loadConfig();
  const storage = openSqliteStorage(':memory:');
  const clock = new ManualClock(1_000_000);
  const accounts = new Accounts({
    storage,
    levels: new Levels(config.levels),
    passwords: config.passwords,
    clock,
    gate: new HashGate(4, 64),
    throttle: new LoginThrottle(config.login, new AddressSet([]), clock),
  });
  return { storage, accounts, clock };
}

describe('Accounts', () => {
  it('stores only an argon2id hash with the current parameters', async () => {
    const { storage, accounts } = setup();
    const user = await accounts.register({
      username: 'dana',
      password: 'purple lantern dawn',
      email: 'd@x.io',
    });
    const stored = await storage.findUserById(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored?.passwordHash).not.toContain('purple');
  });

  it('logs in with any NFKC-equivalent spelling of the password', async () => {
    const { accounts } = setup();
    await accounts.register({
      username: 'erik',
      password: 'ｆｕｌｌｗｉｄｔｈ pass',
      email: 'e@x.io',
    });
    await expect(accounts.verify('erik', 'fullwidth pass', IP)).resolves.toMatchObject({
      username: 'erik',
    });
  });

  it('rehashes a password stored with older parameters on the next login', async () => {
    const { storage, accounts } = setup();
    const old = await hash('purple lantern dawn', {
      algorithm: 2,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    const user = await storage.createUser({
      username: 'frida',
      email: 'f@x.io',
      phone: null,
      passwordHash: old,
      level: 'basic',
      createdAt: '2026-11-25T00:00:00.000Z',
      pendingUntil: null,
    });
    expect(needsRehash(old)).toBe(true);
    await accounts.verify('frida', 'purple lantern dawn', IP);
    const upgraded = (await storage.findUserById(user.id))?.passwordHash ?? '';
    expect(upgraded).not.toBe(old);
    expect(needsRehash(upgraded)).toBe(false);
    await expect(accounts.verify(`#${user.id}`, 'purple lantern dawn', IP)).resolves.toBeDefined();
  });

  it('refuses a weak password before hashing or storing anything', async () => {
    const { storage, accounts } = setup();
    await expect(
      accounts.register({ username: 'gus', password: 'password1', email: 'g@x.io' }),
    ).rejects.toMatchObject({ code: 'weak_password' });
    expect(await storage.listUsers()).toEqual([]);
  });

  it('backs off after 5 failures, refusing even the right password, then doubles', async () => {
    const { accounts, clock } = setup();
    await accounts.register({ username: 'hugo', password: GOOD, email: 'h@x.io' });
    for (let i = 0; i < 5; i++) {
      await expect(accounts.verify('hugo', 'wrong guess!', IP)).rejects.toMatchObject({
        code: 'invalid_credentials',
      });
    }
    const refused = await accounts.verify('hugo', GOOD, IP).catch((e) => e);
    expect(refused).toMatchObject({ code: 'rate_limited', retryAfterMs: 1_000 });
    clock.advance(1_000);
    await expect(accounts.verify('hugo', 'wrong guess!', IP)).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(await accounts.verify('hugo', GOOD, IP).catch((e) => e)).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 2_000,
    });
    clock.advance(2_000);
    await expect(accounts.verify('hugo', GOOD, IP)).resolves.toMatchObject({ username: 'hugo' });
    // A success resets the count: the next failure does not back off.
    await expect(accounts.verify('hugo', 'wrong guess!', IP)).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    await expect(accounts.verify('hugo', GOOD, IP)).resolves.toBeDefined();
  });

  it('locks the account after 100 consecutive failures until an unlock', async () => {
    const { storage, accounts, clock } = setup();
    const user = await accounts.register({ username: 'ines', password: GOOD, email: 'i@x.io' });
    for (let i = 0; i < 100; i++) await storage.recordLoginFailure(user.id, clock.now());
    clock.advance(24 * 3_600_000);
    await expect(accounts.verify('ines', GOOD, IP)).rejects.toMatchObject({ code: 'forbidden' });
    await storage.resetLoginFailures(user.id);
    await expect(accounts.verify('ines', GOOD, IP)).resolves.toBeDefined();
  });

  it('throttles a name without an account exactly like one with, so refusals reveal nothing', async () => {
    const { accounts } = setup();
    await accounts.register({ username: 'jonas', password: GOOD, email: 'j@x.io' });
    const attempt = (login: string, i: number) =>
      accounts.verify(login, 'wrong guess!', `10.0.${i}.1`).catch((e) => e);
    const answers: Record<string, unknown[]> = { jonas: [], nobody: [], '#00999': [] };
    for (const login of Object.keys(answers)) {
      for (let i = 0; i < 6; i++) {
        // #999 and #00999 are the same unknown id.
        const typed = login === '#00999' && i % 2 === 0 ? '#999' : login;
        const e = await attempt(typed, i);
        answers[login]?.push({ code: e.code, message: e.message, retryAfterMs: e.retryAfterMs });
      }
    }
    expect(answers.nobody).toEqual(answers.jonas);
    expect(answers['#00999']).toEqual(answers.jonas);
    expect(answers.jonas?.[5]).toMatchObject({ code: 'rate_limited', retryAfterMs: 1_000 });
  });
});
