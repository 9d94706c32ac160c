// The behaviour every Storage implementation must show; run against each backend.
import { describe, expect, it } from 'vitest';
import { describeIdentityContract } from './identity-contract.ts';
import { LastHolderError, type NewUser, type Storage, UniqueViolation } from './storage.ts';

function user(n: number, over: Partial<NewUser> = {}): NewUser {
  return {
    username: `user${n}`,
    email: `user${n}@example.com`,
    phone: null,
    passwordHash: '$argon2id$fake',
    level: 'basic',
    createdAt: '2026-11-25T00:00:00.000Z',
    pendingUntil: null,
    ...over,
  };
}

/** Registers the shared contract suite for a storage factory. */
export function describeStorageContract(name: string, open: () => Promise<Storage>): void {
  describe(`Storage contract: ${name}`, () => {
    it('assigns increasing ids and finds users by name (any case) and id', async () => {
      const s = await open();
      const a = await s.createUser(user(1, { username: 'Alice' }));
      const b = await s.createUser(user(2));
      expect(b.id).toBeGreaterThan(a.id);
      expect((await s.findUserByName('ALICE'))?.id).toBe(a.id);
      expect((await s.findUserById(b.id))?.username).toBe('user2');
      expect(await s.findUserByName('nobody')).toBeUndefined();
      expect((await s.findUserByEmail('user2@example.com'))?.id).toBe(b.id);
      expect(await s.findUserByEmail('nobody@example.com')).toBeUndefined();
      expect((await s.listUsers()).map((u) => u.id)).toEqual([a.id, b.id]);
      await s.close();
    });

    it('refuses a taken username (any case), email or phone by unique index', async () => {
      const s = await open();
      await s.createUser(user(1, { username: 'Bob', phone: '+4791234567' }));
      const attempt = (over: Partial<NewUser>) => s.createUser(user(2, over)).catch((e) => e);
      expect(await attempt({ username: 'bob' })).toEqual(new UniqueViolation('username'));
      expect(await attempt({ email: 'user1@example.com' })).toEqual(new UniqueViolation('email'));
      expect(await attempt({ phone: '+4791234567' })).toEqual(new UniqueViolation('phone'));
      // Users without a phone do not collide with each other.
      await s.createUser(user(3));
      await s.createUser(user(4));
      expect(await s.isTaken('email', 'user1@example.com')).toBe(true);
      expect(await s.isTaken('phone', '+4700000000')).toBe(false);
      await s.close();
    });

    it('counts consecutive login failures until reset', async () => {
      const s = await open();
      const a = await s.createUser(user(1));
      expect(await s.findUserById(a.id)).toMatchObject({ failedLogins: 0, lastFailedAt: null });
      expect(await s.recordLoginFailure(a.id, 1_000)).toBe(1);
      expect(await s.recordLoginFailure(a.id, 2_000)).toBe(2);
      expect(await s.findUserById(a.id)).toMatchObject({ failedLogins: 2, lastFailedAt: 2_000 });
      await s.resetLoginFailures(a.id);
      expect(await s.findUserById(a.id)).toMatchObject({ failedLogins: 0, lastFailedAt: null });
      await s.close();
    });

    it('keeps a code per pending account, spends its attempts, and activates', async () => {
      const s = await open();
      const a = await s.createUser(user(1, { pendingUntil: 5_000 }));
      expect(a.pendingUntil).toBe(5_000);
      await s.saveCode('confirm', a.id, { codeHash: 'h1', expiresAt: 900, attemptsLeft: 2 });
      await s.saveCode('confirm', a.id, { codeHash: 'h2', expiresAt: 1_900, attemptsLeft: 2 });
      expect(await s.findCode('confirm', a.id)).toEqual({
        codeHash: 'h2',
        expiresAt: 1_900,
        attemptsLeft: 2,
      });
      expect(await s.spendCodeAttempt('confirm', a.id)).toBe(1);
      expect(await s.spendCodeAttempt('confirm', a.id)).toBe(0);
      expect(await s.spendCodeAttempt('confirm', a.id)).toBe(0);
      await s.activateUser(a.id);
      expect((await s.findUserById(a.id))?.pendingUntil).toBeNull();
      expect(await s.findCode('confirm', a.id)).toBeUndefined();
      await s.close();
    });

    it('deletes expired pending accounts and frees their unique fields', async () => {
      const s = await open();
      const old = await s.createUser(user(1, { pendingUntil: 1_000, phone: '+4791234567' }));
      await s.saveCode('confirm', old.id, { codeHash: 'h', expiresAt: 900, attemptsLeft: 5 });
      await s.createUser(user(2, { pendingUntil: 9_000 }));
      await s.createUser(user(3));
      expect(await s.deleteExpiredPending(2_000)).toBe(1);
      expect(await s.findUserById(old.id)).toBeUndefined();
      expect(await s.findCode('confirm', old.id)).toBeUndefined();
      const again = await s.createUser(user(1, { phone: '+4791234567' }));
      expect(again.username).toBe('user1');
      expect((await s.listUsers()).map((u) => u.username)).toEqual(['user2', 'user3', 'user1']);
      await s.close();
    });

    it('appends audit entries and lists them from a time on, oldest first', async () => {
      const s = await open();
      const entry = (at: string, action: string) => ({
        at,
        actor: 'root',
        action,
        target: 'bob',
        outcome: 'ok',
        detail: null,
        address: '10.0.0.1',
      });
      await s.appendAudit([entry('2026-11-25T10:00:00.000Z', 'kick')]);
      await s.appendAudit([
        entry('2026-11-25T11:00:00.000Z', 'kill_server'),
        entry('2026-11-25T12:00:00.000Z', 'shutdown'),
      ]);
      const all = await s.listAudit({});
      expect(all.map((e) => e.action)).toEqual(['kick', 'kill_server', 'shutdown']);
      expect(all[0]).toMatchObject(entry('2026-11-25T10:00:00.000Z', 'kick'));
      const later = await s.listAudit({ since: '2026-11-25T11:00:00.000Z', limit: 1 });
      expect(later.map((e) => e.action)).toEqual(['kill_server']);
      await s.close();
    });

    it('pages audit entries newest first below an id, from a time on', async () => {
      const s = await open();
      const entry = (hour: number) => ({
        at: `2026-11-25T${String(hour).padStart(2, '0')}:00:00.000Z`,
        actor: 'root',
        action: `action${hour}`,
        target: null,
        outcome: 'ok',
        detail: null,
        address: null,
      });
      await s.appendAudit([10, 11, 12, 13, 14].map(entry));
      const first = await s.listAuditNewest({ limit: 2 });
      expect(first.map((e) => e.action)).toEqual(['action14', 'action13']);
      const second = await s.listAuditNewest({ before: first[1]?.id, limit: 2 });
      expect(second.map((e) => e.action)).toEqual(['action12', 'action11']);
      // Entries written meanwhile are newer: the next page below the cursor is unchanged.
      await s.appendAudit([entry(15)]);
      const third = await s.listAuditNewest({ before: second[1]?.id, limit: 2 });
      expect(third.map((e) => e.action)).toEqual(['action10']);
      const recent = await s.listAuditNewest({ since: '2026-11-25T13:00:00.000Z', limit: 10 });
      expect(recent.map((e) => e.action)).toEqual(['action15', 'action14', 'action13']);
      expect(recent[0]).toMatchObject(entry(15));
      await s.close();
    });

    it('replaces a password hash', async () => {
      const s = await open();
      const a = await s.createUser(user(1));
      await s.setPasswordHash(a.id, '$argon2id$new');
      expect((await s.findUserById(a.id))?.passwordHash).toBe('$argon2id$new');
      await s.close();
    });

    it('keeps codes per purpose apart, and drops one when used', async () => {
      const s = await open();
      const a = await s.createUser(user(1));
      await s.saveCode('confirm', a.id, { codeHash: 'c', expiresAt: 900, attemptsLeft: 5 });
      await s.saveCode('reset', a.id, { codeHash: 'r', expiresAt: 1_900, attemptsLeft: 5 });
      expect(await s.spendCodeAttempt('reset', a.id)).toBe(4);
      expect(await s.findCode('confirm', a.id)).toEqual({
        codeHash: 'c',
        expiresAt: 900,
        attemptsLeft: 5,
      });
      await s.dropCode('reset', a.id);
      expect(await s.findCode('reset', a.id)).toBeUndefined();
      expect(await s.findCode('confirm', a.id)).toBeDefined();
      await s.close();
    });

    it('deletes an account: personal data gone, id kept, name held until released', async () => {
      const s = await open();
      const a = await s.createUser(user(1, { username: 'Gone', phone: '+4791234567' }));
      await s.createUser(user(2, { level: 'admin' }));
      await s.saveCode('reset', a.id, { codeHash: 'r', expiresAt: 1_900, attemptsLeft: 5 });
      await s.recordLoginFailure(a.id, 1_000);
      await s.deleteUser(a.id, 5_000, 'admin');
      expect(await s.findUserById(a.id)).toBeUndefined();
      expect(await s.findUserByName('gone')).toBeUndefined();
      expect(await s.findUserByEmail('user1@example.com')).toBeUndefined();
      expect(await s.findCode('reset', a.id)).toBeUndefined();
      const listed = (await s.listUsers()).find((u) => u.id === a.id);
      expect(listed).toMatchObject({
        username: 'Gone',
        email: '',
        phone: null,
        passwordHash: '',
        deletedAt: 5_000,
        failedLogins: 0,
      });
      // The email and phone are free at once; the name is held.
      expect(await s.isTaken('email', 'user1@example.com')).toBe(false);
      expect(await s.isTaken('phone', '+4791234567')).toBe(false);
      const taken = await s.createUser(user(3, { username: 'gone' })).catch((e) => e);
      expect(taken).toEqual(new UniqueViolation('username'));
      expect(await s.releaseDeletedNames(5_000)).toBe(0);
      expect(await s.releaseDeletedNames(5_001)).toBe(1);
      expect(await s.releaseDeletedNames(9_000)).toBe(0);
      const again = await s.createUser(user(1, { username: 'gone', phone: '+4791234567' }));
      expect(again.id).toBeGreaterThan(a.id);
      expect((await s.findUserByName('GONE'))?.id).toBe(again.id);
      // A second deleted account does not collide with the first on the emptied email.
      await s.deleteUser(again.id, 6_000, 'admin');
      expect((await s.listUsers()).filter((u) => u.deletedAt !== null)).toHaveLength(2);
      await s.close();
    });

    it('never deletes or bans the last active holder of the protected level', async () => {
      const s = await open();
      const a = await s.createUser(user(1, { level: 'admin' }));
      const b = await s.createUser(user(2, { level: 'admin' }));
      await s.setBan(b.id, { at: 1_000, reason: 'spam' }, 'admin');
      expect(await s.findUserById(b.id)).toMatchObject({ bannedAt: 1_000, banReason: 'spam' });
      // b is banned, so a is the last active admin.
      await expect(s.deleteUser(a.id, 2_000, 'admin')).rejects.toBeInstanceOf(LastHolderError);
      await expect(s.setBan(a.id, { at: 2_000, reason: null }, 'admin')).rejects.toBeInstanceOf(
        LastHolderError,
      );
      await expect(s.setLevel(a.id, 'basic', 'admin')).rejects.toBeInstanceOf(LastHolderError);
      await s.setBan(b.id, null, 'admin');
      expect(await s.findUserById(b.id)).toMatchObject({ bannedAt: null, banReason: null });
      await s.deleteUser(a.id, 3_000, 'admin');
      expect(await s.findUserById(a.id)).toBeUndefined();
      await s.close();
    });

    it('never demotes the last holder of the protected level', async () => {
      const s = await open();
      const a = await s.createUser(user(1, { level: 'admin' }));
      const b = await s.createUser(user(2, { level: 'admin' }));
      await s.setLevel(b.id, 'basic', 'admin');
      expect((await s.findUserById(b.id))?.level).toBe('basic');
      await expect(s.setLevel(a.id, 'basic', 'admin')).rejects.toBeInstanceOf(LastHolderError);
      expect((await s.findUserById(a.id))?.level).toBe('admin');
      await s.setLevel(b.id, 'admin', 'admin');
      await s.setLevel(a.id, 'basic', 'admin');
      expect((await s.findUserById(a.id))?.level).toBe('basic');
      await s.close();
    });
  });
  describeIdentityContract(name, open);
}
