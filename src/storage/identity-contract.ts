// The behaviour every IdentityStore must show (issue 16); run against each backend.
import { describe, expect, it } from 'vitest';
import { IdentityTaken, type NewIdentity } from './identities.ts';
import { type NewUser, type Storage, UniqueViolation } from './storage.ts';

function user(name: string, over: Partial<NewUser> = {}): NewUser {
  return {
    username: name,
    email: `${name}@example.com`,
    phone: null,
    passwordHash: '$argon2id$fake',
    level: 'basic',
    createdAt: '2026-12-02T00:00:00.000Z',
    pendingUntil: null,
    ...over,
  };
}

function identity(subject: string, over: Partial<NewIdentity> = {}): NewIdentity {
  return {
    provider: 'idp',
    issuer: 'https://id.example.com',
    subject,
    email: `${subject}@example.com`,
    linkedAt: 1_000,
    ...over,
  };
}

/** Registers the identities contract suite for a storage factory. */
export function describeIdentityContract(name: string, open: () => Promise<Storage>): void {
  describe(`Identity contract: ${name}`, () => {
    it('creates an account tied to an identity in one step and finds it by (issuer, subject)', async () => {
      const s = await open();
      const a = await s.createUser(user('ann', { passwordHash: '', identity: identity('sub-1') }));
      expect(await s.identities.find('https://id.example.com', 'sub-1')).toEqual({
        userId: a.id,
        provider: 'idp',
        issuer: 'https://id.example.com',
        subject: 'sub-1',
        email: 'sub-1@example.com',
        linkedAt: 1_000,
      });
      expect(await s.identities.find('https://other.example.com', 'sub-1')).toBeUndefined();
      expect(await s.identities.find('https://id.example.com', 'SUB-1')).toBeUndefined();
      expect((await s.findUserById(a.id))?.passwordHash).toBe('');
      await s.close();
    });

    it('ties an identity to one account only, by the unique key, whatever the email', async () => {
      const s = await open();
      const a = await s.createUser(user('ann'));
      const b = await s.createUser(user('ben'));
      await s.identities.link(a.id, identity('sub-1'));
      await expect(s.identities.link(b.id, identity('sub-1', { email: null }))).rejects.toEqual(
        new IdentityTaken(),
      );
      await expect(s.identities.link(a.id, identity('sub-1'))).rejects.toBeInstanceOf(
        IdentityTaken,
      );
      const taken = await s
        .createUser(user('cat', { identity: identity('sub-1') }))
        .catch((e) => e);
      expect(taken).toBeInstanceOf(IdentityTaken);
      // The refused registration left no account behind.
      expect(await s.findUserByName('cat')).toBeUndefined();
      // The same subject at another issuer is another identity.
      await s.identities.link(b.id, identity('sub-1', { issuer: 'https://other.example.com' }));
      expect((await s.identities.listForUser(b.id)).map((i) => i.issuer)).toEqual([
        'https://other.example.com',
      ]);
      await s.close();
    });

    it('a taken username refuses the registration before the identity is tied', async () => {
      const s = await open();
      await s.createUser(user('ann'));
      const err = await s
        .createUser(user('ANN', { email: 'x@example.com', identity: identity('sub-9') }))
        .catch((e) => e);
      expect(err).toEqual(new UniqueViolation('username'));
      expect(await s.identities.find('https://id.example.com', 'sub-9')).toBeUndefined();
      await s.close();
    });

    it('lists a user’s identities, oldest first, and only theirs', async () => {
      const s = await open();
      const a = await s.createUser(user('ann'));
      const b = await s.createUser(user('ben'));
      await s.identities.link(a.id, identity('a2', { provider: 'google', linkedAt: 2_000 }));
      await s.identities.link(a.id, identity('a1', { provider: 'keycloak', linkedAt: 1_500 }));
      await s.identities.link(b.id, identity('b1'));
      expect((await s.identities.listForUser(a.id)).map((i) => i.provider)).toEqual([
        'keycloak',
        'google',
      ]);
      expect(await s.identities.listForUser(9_999)).toEqual([]);
      await s.close();
    });

    it('unlinks, but never the last way to log in of an account without a password', async () => {
      const s = await open();
      const a = await s.createUser(
        user('ann', { passwordHash: '', identity: identity('a1', { provider: 'one' }) }),
      );
      await s.identities.link(a.id, identity('a2', { provider: 'two' }));
      expect(await s.identities.unlink(a.id, 'nope')).toBe('not_found');
      expect(await s.identities.unlink(a.id, 'one')).toBe('unlinked');
      expect(await s.identities.unlink(a.id, 'two')).toBe('last_login');
      expect((await s.identities.listForUser(a.id)).map((i) => i.provider)).toEqual(['two']);
      // With a password the last identity may go.
      const b = await s.createUser(user('ben', { identity: identity('b1') }));
      expect(await s.identities.unlink(b.id, 'idp')).toBe('unlinked');
      expect(await s.identities.find('https://id.example.com', 'b1')).toBeUndefined();
      await s.close();
    });

    it('deleting an account frees its identities for a new account', async () => {
      const s = await open();
      const a = await s.createUser(user('ann', { identity: identity('a1') }));
      await s.deleteUser(a.id, 5_000, 'admin');
      expect(await s.identities.find('https://id.example.com', 'a1')).toBeUndefined();
      const again = await s.createUser(user('ann2', { identity: identity('a1') }));
      expect((await s.identities.find('https://id.example.com', 'a1'))?.userId).toBe(again.id);
      await s.close();
    });
  });
}
