import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { ManualClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { Levels } from '../levels.ts';
import { HashGate } from '../security/hash-gate.ts';
import { needsRehash } from '../security/passwords.ts';
import { Accounts } from './accounts.ts';

function setup() {
  const config = loadConfig();
  const storage = openSqliteStorage(':memory:');
  const accounts = new Accounts(
    storage,
    new Levels(config.levels),
    config.passwords,
    new ManualClock(0),
    new HashGate(4, 64),
  );
  return { storage, accounts };
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
    await expect(accounts.verify('erik', 'fullwidth pass')).resolves.toMatchObject({
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
    });
    expect(needsRehash(old)).toBe(true);
    await accounts.verify('frida', 'purple lantern dawn');
    const upgraded = (await storage.findUserById(user.id))?.passwordHash ?? '';
    expect(upgraded).not.toBe(old);
    expect(needsRehash(upgraded)).toBe(false);
    await expect(accounts.verify('#' + user.id, 'purple lantern dawn')).resolves.toBeDefined();
  });

  it('refuses a weak password before hashing or storing anything', async () => {
    const { storage, accounts } = setup();
    await expect(
      accounts.register({ username: 'gus', password: 'password1', email: 'g@x.io' }),
    ).rejects.toMatchObject({ code: 'weak_password' });
    expect(await storage.listUsers()).toEqual([]);
  });
});
