// The one group-permission table: action × the caller's role × visibility → allowed or
// the error code, and the rule that moderators act only on strictly lower roles.
// Handlers ask `decide` and `mayActOn`; no group rule lives anywhere else.
import type { GroupRole, GroupStanding, Visibility } from '../../storage/groups.ts';

/** What a caller does to a group. `read` is history, ack, mark_read; `post` is message_group. */
export type GroupAction =
  | 'join'
  | 'leave'
  | 'invite'
  | 'members'
  | 'post'
  | 'read'
  | 'role'
  | 'kick'
  | 'ban'
  | 'unban'
  | 'delete';

/** Every group action, for the matrix tests. */
export const GROUP_ACTIONS: readonly GroupAction[] = [
  'join',
  'leave',
  'invite',
  'members',
  'post',
  'read',
  'role',
  'kick',
  'ban',
  'unban',
  'delete',
];

/** A caller's place: a group role, or none of them; `admin` is a server admin. */
export type ActorRole = GroupRole | 'invitee' | 'non_member' | 'banned' | 'admin';

/** Every role, highest first, for the matrix tests. */
export const ACTOR_ROLES: readonly ActorRole[] = [
  'admin',
  'owner',
  'moderator',
  'member',
  'invitee',
  'non_member',
  'banned',
];

/** The table's answer: allowed, or the error code the caller gets. */
export type Verdict = 'ok' | 'forbidden' | 'not_found';

type Row = Record<ActorRole, readonly [publicGroup: Verdict, privateGroup: Verdict]>;

const OK = ['ok', 'ok'] as const;
const NO = ['forbidden', 'forbidden'] as const;
// A private group is invisible to those who are neither members nor invited:
// not_found, the same answer as a group that does not exist.
const OUTSIDE = ['forbidden', 'not_found'] as const;

/** The table. `admin` holds for server admins whatever their group role (see `decide`). */
export const GROUP_RULES: Readonly<Record<GroupAction, Row>> = {
  // A member joining again is a no-op; invitees may join a private group.
  join: {
    admin: OK,
    owner: OK,
    moderator: OK,
    member: OK,
    invitee: OK,
    non_member: ['ok', 'not_found'],
    banned: OUTSIDE,
  },
  // The owner hands over ownership or deletes the group first.
  leave: {
    admin: NO,
    owner: NO,
    moderator: OK,
    member: OK,
    invitee: NO,
    non_member: OUTSIDE,
    banned: OUTSIDE,
  },
  invite: modAndUp(),
  // Anyone may list a public group's members; an invitee may see whom it would join.
  members: {
    admin: OK,
    owner: OK,
    moderator: OK,
    member: OK,
    invitee: OK,
    non_member: ['ok', 'not_found'],
    banned: OUTSIDE,
  },
  post: membersOnly(),
  read: membersOnly(),
  // Roles are the owner's (and, for groups without one such as #global, the admins').
  role: {
    admin: OK,
    owner: OK,
    moderator: NO,
    member: NO,
    invitee: NO,
    non_member: OUTSIDE,
    banned: OUTSIDE,
  },
  kick: modAndUp(),
  ban: modAndUp(),
  unban: modAndUp(),
  delete: {
    admin: OK,
    owner: OK,
    moderator: NO,
    member: NO,
    invitee: NO,
    non_member: OUTSIDE,
    banned: OUTSIDE,
  },
};

function modAndUp(): Row {
  return {
    admin: OK,
    owner: OK,
    moderator: OK,
    member: NO,
    invitee: NO,
    non_member: OUTSIDE,
    banned: OUTSIDE,
  };
}

function membersOnly(): Row {
  return {
    admin: NO,
    owner: OK,
    moderator: OK,
    member: OK,
    invitee: NO,
    non_member: OUTSIDE,
    banned: OUTSIDE,
  };
}

/** What #global refuses whoever asks: it is never deleted and never owned. */
export const GLOBAL_REFUSES: ReadonlySet<GroupAction | 'hand_over'> = new Set([
  'delete',
  'hand_over',
]);

/** The ranks "act only on strictly lower roles" compares; a server admin ranks with an owner. */
export const RANK: Readonly<Record<ActorRole, number>> = {
  admin: 3,
  owner: 3,
  moderator: 2,
  member: 1,
  invitee: 0,
  non_member: 0,
  banned: 0,
};

/** The roles a user holds in a group: the group one, plus `admin` for a server admin. */
export function rolesOf(standing: GroupStanding, serverAdmin: boolean): ActorRole[] {
  let role: ActorRole = 'non_member';
  if (standing.role) role = standing.role;
  else if (standing.banned) role = 'banned';
  else if (standing.invited) role = 'invitee';
  return serverAdmin ? [role, 'admin'] : [role];
}

const STRENGTH: Record<Verdict, number> = { ok: 2, forbidden: 1, not_found: 0 };

/** The verdict for a caller holding `roles`: the most permissive of them. */
export function decide(
  action: GroupAction,
  roles: readonly ActorRole[],
  visibility: Visibility,
): Verdict {
  let best: Verdict = 'not_found';
  for (const role of roles) {
    const verdict = GROUP_RULES[action][role][visibility === 'public' ? 0 : 1];
    if (STRENGTH[verdict] > STRENGTH[best]) best = verdict;
  }
  return best;
}

/** The rank of the highest of `roles`. */
export function rankOf(roles: readonly ActorRole[]): number {
  return Math.max(0, ...roles.map((r) => RANK[r]));
}

/** Moderators (and owners, admins) act only on strictly lower roles: never on equals or above. */
export function mayActOn(actor: readonly ActorRole[], target: readonly ActorRole[]): boolean {
  return rankOf(actor) > rankOf(target);
}

/** Whether the target's standing fits the action: kicked and re-roled users must be members. */
export function targetFits(
  action: 'invite' | 'kick' | 'ban' | 'unban' | 'role',
  target: GroupStanding,
): 'ok' | 'not_member' | 'already_member' | 'banned' {
  if (action === 'kick' || action === 'role') return target.role ? 'ok' : 'not_member';
  if (action === 'invite') {
    if (target.role) return 'already_member';
    if (target.banned) return 'banned';
  }
  return 'ok';
}
