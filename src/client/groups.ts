// The SDK's group actions (docs/protocol.md, Groups): create, join, leave, invite, members,
// list, roles, kick, ban, delete, and message_group with the reliable-send machinery.
import type {
  GroupBanChange,
  GroupCreated,
  GroupJoined,
  GroupListPage,
  GroupMember,
  GroupMembersPage,
  GroupRole,
  GroupRoleChange,
  GroupSent,
  GroupSummary,
  GroupTarget,
  GroupVisibility,
} from './group-types.ts';
import { ResumingCore } from './resume.ts';

/** A paged listing's options: page size and an exclusive cursor. */
export interface PageOptions {
  limit?: number;
  after?: string;
}

/** `[limit?, after?]` as the wire wants it: a cursor needs a limit before it. */
function pageInputs(opts: PageOptions, defaultLimit: number): unknown[] {
  if (opts.after !== undefined) return [opts.limit ?? defaultLimit, opts.after];
  return opts.limit === undefined ? [] : [opts.limit];
}

/**
 * Group actions on top of ResumingCore. A `conv` is a group's name with or without the `#`,
 * in any case (`#Lab` is `#lab`); replies carry the canonical `#name`.
 */
export class GroupActions extends ResumingCore {
  /** Creates a group (create_group); the caller becomes its owner. `name_taken` if it exists. */
  async createGroup(name: string, visibility?: GroupVisibility): Promise<GroupCreated> {
    const data = visibility === undefined ? [name] : [name, visibility];
    return (await this.call('create_group', data)) as GroupCreated;
  }

  /** Joins a public group, or a private one the caller was invited to. */
  async joinGroup(conv: string): Promise<GroupJoined> {
    return (await this.call('join_group', [conv])) as GroupJoined;
  }

  /** Leaves a group; resolves "left". The owner cannot leave (hand over ownership first). */
  async leaveGroup(conv: string): Promise<string> {
    return (await this.call('leave_group', [conv])) as string;
  }

  /** Invites a user to a group (owner, moderators, server admins). */
  async invite(conv: string, username: string): Promise<GroupTarget> {
    return (await this.call('invite', [conv, username])) as GroupTarget;
  }

  /** One page of a group's members, by username (`after` is an exclusive username). */
  async groupMembersPage(conv: string, opts: PageOptions = {}): Promise<GroupMembersPage> {
    return (await this.call('group_members', [conv, ...pageInputs(opts, 100)])) as GroupMembersPage;
  }

  /** Every member of a group, fetched `pageSize` at a time as the loop goes on. */
  async *groupMembers(conv: string, pageSize = 100): AsyncGenerator<GroupMember, void, undefined> {
    let after: string | undefined;
    for (;;) {
      const page = await this.groupMembersPage(conv, { limit: pageSize, after });
      for (const m of page.members) yield m;
      const last = page.members[page.members.length - 1];
      if (last === undefined || page.members.length < pageSize) return;
      after = last.username;
    }
  }

  /** One page of the groups the caller can see: public ones and its own, by name. */
  async listGroupsPage(opts: PageOptions = {}): Promise<GroupListPage> {
    return (await this.call('list_groups', pageInputs(opts, 100))) as GroupListPage;
  }

  /** Every group the caller can see, fetched `pageSize` at a time as the loop goes on. */
  async *listGroups(pageSize = 100): AsyncGenerator<GroupSummary, void, undefined> {
    let after: string | undefined;
    for (;;) {
      const page = await this.listGroupsPage({ limit: pageSize, after });
      for (const g of page.groups) yield g;
      const last = page.groups[page.groups.length - 1];
      if (last === undefined || page.groups.length < pageSize) return;
      after = last.conv;
    }
  }

  /** Sets a member's role; `owner` hands the group over (the old owner becomes moderator). */
  async setGroupRole(conv: string, username: string, role: GroupRole): Promise<GroupRoleChange> {
    return (await this.call('group_role', [conv, username, role])) as GroupRoleChange;
  }

  /** Removes a member from a group (they may join again unless banned). */
  async groupKick(conv: string, username: string): Promise<GroupTarget> {
    return (await this.call('group_kick', [conv, username])) as GroupTarget;
  }

  /** Bans a user from a group: removed, and can no longer join, read or post. */
  async groupBan(conv: string, username: string): Promise<GroupBanChange> {
    return (await this.call('group_ban', [conv, username])) as GroupBanChange;
  }

  /** Lifts a group ban (the user may then join again, or be invited). */
  async groupUnban(conv: string, username: string): Promise<GroupBanChange> {
    return (await this.call('group_unban', [conv, username])) as GroupBanChange;
  }

  /** Deletes a group with its messages (owner, server admins); resolves "deleted". */
  async deleteGroup(conv: string): Promise<string> {
    return (await this.call('delete_group', [conv])) as string;
  }

  /**
   * Posts to a group with a `client_id` (yours, or a random one) and resolves once the server
   * has stored it: `{id, conv, seq, online}`. Like messageUser: with `reconnect` on, a send cut
   * off by a disconnect (or made while offline) goes again after the reconnect with the same
   * client_id, so it is stored once; a resend of a stored one resolves with the original.
   */
  messageGroup(conv: string, text: string, opts: { clientId?: string } = {}): Promise<GroupSent> {
    return this.reliableSend<GroupSent>('message_group', conv, text, opts.clientId);
  }
}
