// The group-permission table as a matrix: every action × every role × both
// visibilities, written out here independently of the table, plus the rank rule.
import { describe, expect, it } from 'vitest';
import {
  ACTOR_ROLES,
  type ActorRole,
  decide,
  GROUP_ACTIONS,
  type GroupAction,
  mayActOn,
  rolesOf,
  targetFits,
  type Verdict,
} from './group-rules.ts';

// Columns: admin owner moderator member invitee non_member banned.
// Each cell: public/private; o = ok, f = forbidden, n = not_found (hidden).
const EXPECTED: Record<GroupAction, string> = {
  join: 'oo oo oo oo oo on fn',
  leave: 'ff ff oo oo ff fn fn',
  invite: 'oo oo oo ff ff fn fn',
  members: 'oo oo oo oo oo on fn',
  post: 'ff oo oo oo ff fn fn',
  read: 'ff oo oo oo ff fn fn',
  role: 'oo oo ff ff ff fn fn',
  kick: 'oo oo oo ff ff fn fn',
  ban: 'oo oo oo ff ff fn fn',
  unban: 'oo oo oo ff ff fn fn',
  delete: 'oo oo ff ff ff fn fn',
};

const LETTER: Record<string, Verdict> = { o: 'ok', f: 'forbidden', n: 'not_found' };

describe('the group-permission table', () => {
  it('covers every action and role', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...GROUP_ACTIONS].sort());
    expect(ACTOR_ROLES).toHaveLength(7);
  });

  for (const action of GROUP_ACTIONS) {
    const cells = (EXPECTED[action] as string).split(' ');
    ACTOR_ROLES.forEach((role, i) => {
      const cell = cells[i] as string;
      it(`${action} by ${role}: public ${LETTER[cell[0] as string]}, private ${LETTER[cell[1] as string]}`, () => {
        expect(decide(action, [role], 'public')).toBe(LETTER[cell[0] as string]);
        expect(decide(action, [role], 'private')).toBe(LETTER[cell[1] as string]);
      });
    });
  }

  it('hides a private group from every non-member who is not invited, for every action', () => {
    for (const action of GROUP_ACTIONS) {
      for (const role of ['non_member', 'banned'] as const) {
        expect(decide(action, [role], 'private')).toBe('not_found');
      }
    }
  });

  it('gives a server admin who is also a member the more permissive answer', () => {
    expect(decide('leave', ['member', 'admin'], 'private')).toBe('ok');
    expect(decide('post', ['member', 'admin'], 'public')).toBe('ok');
    expect(decide('kick', ['member', 'admin'], 'public')).toBe('ok');
    expect(decide('leave', ['owner', 'admin'], 'public')).toBe('forbidden');
    // A server admin who is not a member sees a private group but must join to post.
    expect(decide('post', ['non_member', 'admin'], 'private')).toBe('forbidden');
  });

  it('derives the roles from the standing', () => {
    const none = { role: null, invited: false, banned: false };
    expect(rolesOf(none, false)).toEqual(['non_member']);
    expect(rolesOf({ ...none, invited: true }, false)).toEqual(['invitee']);
    expect(rolesOf({ ...none, banned: true }, true)).toEqual(['banned', 'admin']);
    expect(rolesOf({ ...none, role: 'moderator' }, false)).toEqual(['moderator']);
  });
});

describe('act only on strictly lower roles', () => {
  const ranked: ActorRole[][] = [['member'], ['moderator'], ['owner']];

  it('lets each role act on the roles below it and on no equal or higher one', () => {
    for (let a = 0; a < ranked.length; a++) {
      for (let t = 0; t < ranked.length; t++) {
        expect(mayActOn(ranked[a] as ActorRole[], ranked[t] as ActorRole[])).toBe(a > t);
      }
    }
    expect(mayActOn(['moderator'], ['non_member'])).toBe(true);
    expect(mayActOn(['member'], ['non_member'])).toBe(true);
  });

  it('ranks a server admin with an owner, as actor and as target', () => {
    expect(mayActOn(['non_member', 'admin'], ['moderator'])).toBe(true);
    expect(mayActOn(['non_member', 'admin'], ['owner'])).toBe(false);
    expect(mayActOn(['owner'], ['member', 'admin'])).toBe(false);
    expect(mayActOn(['moderator'], ['member', 'admin'])).toBe(false);
  });

  it('asks members for kick and role, non-members and unbanned users for invite', () => {
    const none = { role: null, invited: false, banned: false };
    expect(targetFits('kick', none)).toBe('not_member');
    expect(targetFits('role', { ...none, role: 'member' })).toBe('ok');
    expect(targetFits('invite', { ...none, role: 'member' })).toBe('already_member');
    expect(targetFits('invite', { ...none, banned: true })).toBe('banned');
    expect(targetFits('ban', none)).toBe('ok');
  });
});
