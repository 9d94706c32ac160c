// Storage of groups: a group is a conversation (kind 'group', key `#name`) with a
// visibility, roles on its members, bans and invitations. SQLite implements it now.

/** A member's role in a group, highest first. */
export type GroupRole = 'owner' | 'moderator' | 'member';

/** Who may see and join a group. */
export type Visibility = 'public' | 'private';

/** The name of the room every account joins. */
export const GLOBAL_GROUP = 'global';

/** A group as stored. */
export interface GroupRecord {
  convId: number;
  /** The group's name without `#`. */
  name: string;
  /** Its canonical conv: `#name`. */
  conv: string;
  visibility: Visibility;
  lastSeq: number;
}

/** Where one user stands in one group. */
export interface GroupStanding {
  role: GroupRole | null;
  invited: boolean;
  banned: boolean;
}

/** One member as group_members lists them. */
export interface GroupMember {
  userId: number;
  username: string;
  role: GroupRole;
}

/** One group as list_groups lists it. */
export interface GroupListing extends GroupRecord {
  members: number;
  role: GroupRole | null;
}

/** Why creating a group was refused. */
export class GroupRefused extends Error {
  override name = 'GroupRefused';
  constructor(readonly reason: 'name_taken' | 'max_owned') {
    super(reason);
  }
}

/** Groups storage; each method is one transaction. */
export interface GroupStore {
  /**
   * Creates a group owned by `ownerId`; GroupRefused('name_taken') when the name is
   * used, ('max_owned') when the owner already owns `maxOwned` groups.
   */
  create(
    name: string,
    visibility: Visibility,
    ownerId: number,
    at: number,
    maxOwned: number,
  ): Promise<GroupRecord>;
  /** A group by name (without `#`). */
  find(name: string): Promise<GroupRecord | undefined>;
  standing(convId: number, userId: number): Promise<GroupStanding>;
  /**
   * Makes the user a member (cursor and read marker at the group's last seq, any
   * invitation used up). 'full' when the group has `maxMembers` (null: no cap).
   */
  join(convId: number, userId: number, maxMembers: number | null): Promise<'joined' | 'full'>;
  /** Removes a membership; false when the user was not a member. */
  leave(convId: number, userId: number): Promise<boolean>;
  setRole(convId: number, userId: number, role: GroupRole): Promise<void>;
  /** The group's owner, if it has one (#global has none). */
  ownerOf(convId: number): Promise<{ userId: number; username: string } | undefined>;
  /** Makes `to` the owner and `from` (the old owner) a moderator. */
  handOver(convId: number, from: number, to: number): Promise<void>;
  invite(convId: number, userId: number, at: number): Promise<void>;
  /** Bans the user (removing membership and invitation). */
  ban(convId: number, userId: number, at: number): Promise<void>;
  unban(convId: number, userId: number): Promise<void>;
  /** Members sorted by username (case-insensitive) after `after`, and their total. */
  members(
    convId: number,
    limit: number,
    after?: string,
  ): Promise<{ members: GroupMember[]; total: number }>;
  /** Public groups and the user's own, by name after `after`, and their total. */
  list(
    userId: number,
    limit: number,
    after?: string,
  ): Promise<{ groups: GroupListing[]; total: number }>;
  /** The groups a user is a member of, with the user's delivery cursor in each. */
  groupsOf(userId: number): Promise<Array<{ convId: number; deliveredSeq: number }>>;
  /** Deletes a group with its messages, members, bans and invitations. */
  delete(convId: number): Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9_-]{1,31}$/;

/** The group name of a `conv` input (`#name` or `name`, any case), or undefined if malformed. */
export function groupName(input: string): string | undefined {
  const name = (input.startsWith('#') ? input.slice(1) : input).toLowerCase();
  return NAME.test(name) ? name : undefined;
}
