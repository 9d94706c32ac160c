// The group-permission matrix against the real server: for a public and a private group, each role
// (owner, moderator, member, invitee, non-member, banned, server admin) tries every group action on
// a freshly set-up group; the reply code must be the table's (docs/protocol.md section 6, Groups).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient, type TestClient } from '../client.ts';
import { groupNamed, members, ok } from '../groups-support.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD } from '../util.ts';

const ROLES = ['admin', 'owner', 'moderator', 'member', 'invitee', 'non_member', 'banned'] as const;
type Role = (typeof ROLES)[number];

// Per action, per role above: public/private; o = ok, f = forbidden, n = not_found.
const EXPECTED: Record<string, string> = {
  join_group: 'oo oo oo oo oo on fn',
  leave_group: 'ff ff oo oo ff fn fn',
  invite: 'oo oo oo ff ff fn fn',
  group_members: 'oo oo oo oo oo on fn',
  message_group: 'ff oo oo oo ff fn fn',
  history: 'ff oo oo oo ff fn fn',
  group_role: 'oo oo ff ff ff fn fn',
  group_kick: 'oo oo oo ff ff fn fn',
  group_ban: 'oo oo oo ff ff fn fn',
  group_unban: 'oo oo oo ff ff fn fn',
  delete_group: 'oo oo ff ff ff fn fn',
};
const CODE: Record<string, string> = { o: 'ok', f: 'forbidden', n: 'not_found' };

const ADMIN = { username: 'matrixadmin', email: emailFor('matrixadmin'), password: PASSWORD };

/**
 * The group-permission matrix against the real server: for a public and a private group, each role
 * (owner, moderator, member, invitee, non-member, banned, server admin) tries every group action
 * on a freshly set-up group; the reply code must be the table's (docs/protocol.md section 6,
 * Groups), run over `wire`.
 */
export function groupMatrixCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe(`the group-permission matrix over ${wire.name}`, () => {
    const server = useServer({
      users: [{ ...ADMIN, level: 'admin' }],
      config: { groups: { max_owned: 1_000 } },
    });

    it('answers every action × role × visibility as the table says', async () => {
      const port = wire.endpoint(server());
      const [owner, moderator, member, invitee, nonMember, banned, target] = await members(
        port,
        7,
        'mx',
      );
      const admin = await loginClient(port, ADMIN.username, ADMIN.password);
      const clients: Record<Role, TestClient> = {
        admin,
        owner: owner.c,
        moderator: moderator.c,
        member: member.c,
        invitee: invitee.c,
        non_member: nonMember.c,
        banned: banned.c,
      };
      /** A fresh group with one user in each role; returns its conv. */
      async function setUp(visibility: 'public' | 'private'): Promise<string> {
        const conv = `#${groupNamed('m')}`;
        await ok(owner.c, 'create_group', [conv, visibility]);
        for (const m of [moderator, member]) {
          await ok(owner.c, 'invite', [conv, m.name]);
          await ok(m.c, 'join_group', [conv]);
        }
        await ok(owner.c, 'group_role', [conv, moderator.name, 'moderator']);
        await ok(owner.c, 'invite', [conv, invitee.name]);
        await ok(owner.c, 'group_ban', [conv, banned.name]);
        return conv;
      }
      const inputs: Record<string, (conv: string) => unknown[]> = {
        join_group: (conv) => [conv],
        leave_group: (conv) => [conv],
        invite: (conv) => [conv, target.name],
        group_members: (conv) => [conv],
        message_group: (conv) => [conv, 'hello'],
        history: (conv) => [conv],
        group_role: (conv) => [conv, member.name, 'moderator'],
        group_kick: (conv) => [conv, member.name],
        group_ban: (conv) => [conv, member.name],
        group_unban: (conv) => [conv, banned.name],
        delete_group: (conv) => [conv],
      };
      const wrong: string[] = [];
      let cells = 0;
      for (const [action, row] of Object.entries(EXPECTED)) {
        const cellsOfRow = row.split(' ');
        for (const [i, role] of ROLES.entries()) {
          for (const [v, visibility] of (['public', 'private'] as const).entries()) {
            const conv = await setUp(visibility);
            const reply = await clients[role].call(
              action,
              (inputs[action] as (c: string) => unknown[])(conv),
            );
            const got = reply.ok ? 'ok' : codeOf(reply);
            const want = CODE[(cellsOfRow[i] as string)[v] as string];
            cells++;
            if (got !== want)
              wrong.push(`${action} by ${role} (${visibility}): ${got}, want ${want}`);
          }
        }
      }
      expect(cells).toBe(11 * 7 * 2);
      expect(wrong).toEqual([]);
    }, 120_000);

    it('lets moderators act only on strictly lower roles', async () => {
      const port = wire.endpoint(server());
      const [owner, mod1, mod2, member] = await members(port, 4, 'rk');
      const conv = `#${groupNamed('rank')}`;
      await ok(owner.c, 'create_group', [conv]);
      for (const m of [mod1, mod2, member]) await ok(m.c, 'join_group', [conv]);
      await ok(owner.c, 'group_role', [conv, mod1.name, 'moderator']);
      await ok(owner.c, 'group_role', [conv, mod2.name, 'moderator']);
      for (const action of ['group_kick', 'group_ban']) {
        expect(codeOf(await mod1.c.call(action, [conv, mod2.name]))).toBe('forbidden');
        expect(codeOf(await mod1.c.call(action, [conv, owner.name]))).toBe('forbidden');
        expect(codeOf(await mod1.c.call(action, [conv, mod1.name]))).toBe('forbidden');
        expect(codeOf(await member.c.call(action, [conv, member.name]))).toBe('forbidden');
      }
      expect(codeOf(await owner.c.call('group_kick', [conv, owner.name]))).toBe('forbidden');
      expect(codeOf(await mod1.c.call('group_role', [conv, member.name, 'moderator']))).toBe(
        'forbidden',
      );
      expect(await ok(mod1.c, 'group_kick', [conv, member.name])).toEqual({
        conv,
        username: member.name,
      });
      expect(codeOf(await owner.c.call('group_role', [conv, mod2.name, 'boss']))).toBe(
        'invalid_input',
      );
    });
  });
}
