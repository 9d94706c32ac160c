// The behaviour every GroupStore must show; run against each backend.
import { describe, expect, it } from 'vitest';
import { GroupRefused } from './groups.ts';
import type { NewUser, Storage } from './storage.ts';

function user(name: string): NewUser {
  return {
    username: name,
    email: `${name}@example.com`,
    phone: null,
    passwordHash: '$argon2id$fake',
    level: 'basic',
    createdAt: '2026-12-01T00:00:00.000Z',
    pendingUntil: null,
  };
}

/** Three users, a storage, and a group message poster. */
async function world(open: () => Promise<Storage>) {
  const s = await open();
  const [ann, Ben, cat] = [
    await s.createUser(user('ann')),
    await s.createUser(user('Ben')),
    await s.createUser(user('cat')),
  ];
  const post = (conv: string, senderId: number) =>
    s.conversations.append(
      [
        {
          key: conv,
          kind: 'group',
          members: [],
          senderId,
          text: 'x',
          sentAt: 1,
          clientId: null,
          delivered: false,
        },
      ],
      0,
    );
  return { s, ann: ann.id, ben: Ben.id, cat: cat.id, post };
}

/** Registers the shared group suite for a storage factory. */
export function describeGroupContract(name: string, open: () => Promise<Storage>): void {
  describe(`GroupStore contract: ${name}`, () => {
    it('creates a group owned by its creator, unique by name, within max_owned', async () => {
      const { s, ann, ben } = await world(open);
      const g = await s.groups.create('lab', 'private', ann, 5, 2);
      expect(g).toEqual({
        convId: g.convId,
        name: 'lab',
        conv: '#lab',
        visibility: 'private',
        lastSeq: 0,
      });
      expect(await s.groups.standing(g.convId, ann)).toEqual({
        role: 'owner',
        invited: false,
        banned: false,
      });
      expect(await s.groups.create('lab', 'public', ben, 5, 2).catch((e) => e)).toEqual(
        new GroupRefused('name_taken'),
      );
      await s.groups.create('lab2', 'public', ann, 5, 2);
      expect(await s.groups.create('lab3', 'public', ann, 5, 2).catch((e) => e)).toEqual(
        new GroupRefused('max_owned'),
      );
      expect(await s.groups.ownerOf(g.convId)).toEqual({ userId: ann, username: 'ann' });
      await s.close();
    });

    it('joins at the last seq, uses up an invitation, and refuses a full group', async () => {
      const { s, ann, ben, cat, post } = await world(open);
      const g = await s.groups.create('lab', 'public', ann, 5, 20);
      await post('#lab', ann);
      await post('#lab', ann);
      await s.groups.invite(g.convId, ben, 7);
      expect((await s.groups.standing(g.convId, ben)).invited).toBe(true);
      expect(await s.groups.join(g.convId, ben, 2)).toBe('joined');
      expect(await s.groups.standing(g.convId, ben)).toEqual({
        role: 'member',
        invited: false,
        banned: false,
      });
      const m = await s.conversations.membership(ben, g.convId);
      expect(m).toMatchObject({ deliveredSeq: 2, readSeq: 2, lastSeq: 2 });
      expect(await s.groups.join(g.convId, cat, 2)).toBe('full');
      expect(await s.groups.join(g.convId, cat, null)).toBe('joined');
      expect(await s.groups.leave(g.convId, cat)).toBe(true);
      expect(await s.groups.leave(g.convId, cat)).toBe(false);
      await s.close();
    });

    it('bans (removing membership and invitation), unbans, sets roles and hands over', async () => {
      const { s, ann, ben, cat } = await world(open);
      const g = await s.groups.create('lab', 'public', ann, 5, 20);
      await s.groups.join(g.convId, ben, null);
      await s.groups.invite(g.convId, cat, 1);
      await s.groups.ban(g.convId, ben, 2);
      await s.groups.ban(g.convId, cat, 2);
      for (const id of [ben, cat]) {
        expect(await s.groups.standing(g.convId, id)).toEqual({
          role: null,
          invited: false,
          banned: true,
        });
      }
      await s.groups.unban(g.convId, ben);
      expect((await s.groups.standing(g.convId, ben)).banned).toBe(false);
      await s.groups.join(g.convId, ben, null);
      await s.groups.setRole(g.convId, ben, 'moderator');
      expect((await s.groups.standing(g.convId, ben)).role).toBe('moderator');
      await s.groups.handOver(g.convId, ann, ben);
      expect((await s.groups.standing(g.convId, ann)).role).toBe('moderator');
      expect(await s.groups.ownerOf(g.convId)).toEqual({ userId: ben, username: 'Ben' });
      await s.close();
    });

    it('lists members by username (any case) and groups by name: public and own only', async () => {
      const { s, ann, ben, cat } = await world(open);
      const lab = await s.groups.create('lab', 'public', ann, 5, 20);
      await s.groups.create('secret', 'private', cat, 5, 20);
      await s.groups.join(lab.convId, ben, null);
      await s.groups.join(lab.convId, cat, null);
      const page = await s.groups.members(lab.convId, 2);
      expect(page.members.map((m) => [m.username, m.role])).toEqual([
        ['ann', 'owner'],
        ['Ben', 'member'],
      ]);
      expect(page.total).toBe(3);
      expect(
        (await s.groups.members(lab.convId, 10, 'ben')).members.map((m) => m.username),
      ).toEqual(['cat']);
      const forBen = await s.groups.list(ben, 10);
      expect(forBen.groups.map((g) => [g.conv, g.role, g.members])).toEqual([
        ['#global', 'member', 3],
        ['#lab', 'member', 3],
      ]);
      expect(forBen.total).toBe(2);
      const forCat = await s.groups.list(cat, 10, 'lab');
      expect(forCat.groups.map((g) => g.conv)).toEqual(['#secret']);
      expect((await s.groups.groupsOf(cat)).length).toBe(3);
      await s.close();
    });

    it('deletes a group with its messages; the name is free and no conversation id comes back', async () => {
      const { s, ann, ben, post } = await world(open);
      const g = await s.groups.create('lab', 'public', ann, 5, 20);
      await s.groups.join(g.convId, ben, null);
      await post('#lab', ann);
      await s.groups.delete(g.convId);
      expect(await s.groups.find('lab')).toBeUndefined();
      expect(await s.conversations.membership(ben, g.convId)).toBeUndefined();
      expect((await s.conversations.history(g.convId, null, 10)).messages).toEqual([]);
      // A message for the deleted group stores nothing.
      expect((await post('#lab', ann))[0]).toMatchObject({ gone: true, seq: 0 });
      const again = await s.groups.create('lab', 'public', ben, 5, 20);
      expect(again.convId).not.toBe(g.convId);
      expect((await post('#lab', ben))[0]).toMatchObject({ convId: again.convId, seq: 1 });
      await s.close();
    });

    it('takes a deleted account out of its groups', async () => {
      const { s, ann, ben } = await world(open);
      const g = await s.groups.create('lab', 'public', ann, 5, 20);
      await s.groups.join(g.convId, ben, null);
      await s.deleteUser(ben, 10, 'admin');
      expect((await s.groups.standing(g.convId, ben)).role).toBeNull();
      expect(await s.groups.groupsOf(ben)).toEqual([]);
      await s.close();
    });
  });
}
