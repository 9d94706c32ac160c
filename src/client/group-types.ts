// The data shapes of the group actions and of the `member` event (docs/protocol.md, Groups).

/** A member's role in a group, highest first. */
export type GroupRole = 'owner' | 'moderator' | 'member';

/** Who may find and join a group: anyone (`public`), or the invited (`private`). */
export type GroupVisibility = 'public' | 'private';

/** create_group's reply: the creator is its owner. */
export interface GroupCreated {
  conv: string;
  visibility: GroupVisibility;
  role: 'owner';
}

/** join_group's reply: the caller's role now (a member joining again keeps its role). */
export interface GroupJoined {
  conv: string;
  role: GroupRole;
}

/** invite's, group_kick's reply: who was invited to (or kicked from) which group. */
export interface GroupTarget {
  conv: string;
  username: string;
}

/** group_ban's and group_unban's reply. */
export interface GroupBanChange extends GroupTarget {
  banned: boolean;
}

/** group_role's reply: the target's role after the change. */
export interface GroupRoleChange extends GroupTarget {
  role: GroupRole;
}

/** One member of a group, as group_members lists it. */
export interface GroupMember {
  username: string;
  role: GroupRole;
  online: boolean;
}

/** A page of group_members, sorted by username (case-insensitive). */
export interface GroupMembersPage {
  members: GroupMember[];
  total: number;
}

/** One group of list_groups: `role` is null where the caller is not a member. */
export interface GroupSummary {
  conv: string;
  visibility: GroupVisibility;
  members: number;
  role: GroupRole | null;
}

/** A page of list_groups: public groups and the caller's own, by name. */
export interface GroupListPage {
  groups: GroupSummary[];
  total: number;
}

/** message_group's reply; `id` is the same as in the members' `message` events. */
export interface GroupSent {
  id: string;
  conv: string;
  seq: number;
  /** the members other than the sender with a live session (in this server process) */
  online: number;
  /** a resend of a client_id already stored: these are the original's fields */
  duplicate?: boolean;
}

/** What a `member` event says happened. */
export type MemberChange =
  | 'joined'
  | 'left'
  | 'invited'
  | 'kicked'
  | 'banned'
  | 'unbanned'
  | 'role'
  | 'deleted';

/**
 * The `member` event: `username`'s membership of `conv` changed, by `by`; `role` is the
 * user's role after it (null when not a member). For `deleted`, `username` deleted the group.
 */
export interface MemberEvent {
  conv: string;
  username: string;
  change: MemberChange;
  by: string | null;
  role: GroupRole | null;
}
