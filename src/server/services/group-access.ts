// Finding a group and the caller's standing in it, asking the permission table, and
// telling members about membership changes: what every group action shares.
import { ActionError } from '../../protocol/errors.ts';
import {
  type GroupRecord,
  type GroupRole,
  type GroupStanding,
  groupName,
} from '../../storage/groups.ts';
import type { Storage, UserRecord } from '../../storage/storage.ts';
import type { Levels } from '../levels.ts';
import type { GroupFanout } from './group-fanout.ts';
import { type ActorRole, decide, type GroupAction, rolesOf } from './group-rules.ts';
import type { Identity, Sessions } from './sessions.ts';

/** One message for a group that does not exist and a private one the caller may not see. */
export const NO_GROUP = 'no such group';

/** A group as the caller sees it, allowed for the action asked. */
export interface Located {
  group: GroupRecord;
  standing: GroupStanding;
  roles: ActorRole[];
}

/** A user named by an action, with where they stand in the group. */
export interface Target {
  user: UserRecord;
  standing: GroupStanding;
  roles: ActorRole[];
}

/** What a `member` event says changed. */
export type MemberChange =
  | 'joined'
  | 'left'
  | 'invited'
  | 'kicked'
  | 'banned'
  | 'unbanned'
  | 'role'
  | 'deleted';

const WHY: Record<GroupAction, string> = {
  join: 'you may not join this group',
  leave: 'the owner hands over ownership (group_role) or deletes the group before leaving',
  invite: 'a moderator role is required to invite',
  members: 'you may not list this group’s members',
  post: 'join the group first',
  read: 'join the group first',
  role: 'only the group’s owner sets roles',
  kick: 'a moderator role is required',
  ban: 'a moderator role is required',
  unban: 'a moderator role is required',
  delete: 'only the group’s owner or a server admin deletes it',
};

/** Group lookups under the rules, and member events. */
export class GroupAccess {
  constructor(
    private readonly storage: Storage,
    private readonly levels: Levels,
    private readonly sessions: Sessions,
    readonly fanout: GroupFanout,
    private readonly perUser: number,
  ) {}

  /** Whether the user is a server admin (the top configured level). */
  isAdmin(user: { level: string }): boolean {
    return user.level === this.levels.top;
  }

  /** The group named by a `conv` input if the caller may do `action` to it; else the rule's error. */
  async locate(user: Identity, conv: string, action: GroupAction): Promise<Located> {
    const name = groupName(conv);
    if (name === undefined) {
      throw new ActionError('invalid_input', 'input 1 (conv) is not a group name like #lab');
    }
    return this.locateByName(user, name, action);
  }

  /** As locate, for a well-formed name without `#`. */
  async locateByName(user: Identity, name: string, action: GroupAction): Promise<Located> {
    const group = await this.storage.groups.find(name);
    if (!group) throw new ActionError('not_found', NO_GROUP);
    const standing = await this.storage.groups.standing(group.convId, user.id);
    const roles = rolesOf(standing, this.isAdmin(user));
    const verdict = decide(action, roles, group.visibility);
    if (verdict === 'not_found') throw new ActionError('not_found', NO_GROUP);
    if (verdict === 'forbidden') {
      const why = standing.banned ? `you are banned from ${group.conv}` : WHY[action];
      throw new ActionError('forbidden', why);
    }
    return { group, standing, roles };
  }

  /** The active account named `username` and its standing in the group; not_found if none. */
  async target(group: GroupRecord, username: string): Promise<Target> {
    const user = await this.storage.findUserByName(username);
    if (!user || user.pendingUntil !== null)
      throw new ActionError('not_found', `no user ${username}`);
    const standing = await this.storage.groups.standing(group.convId, user.id);
    return { user, standing, roles: rolesOf(standing, this.isAdmin(user)) };
  }

  /**
   * Sends `member {conv, username, change, by, role}` to the group's online members and,
   * when `concerned` is given (a user no longer or not yet a member), to that user too.
   */
  tell(
    group: GroupRecord,
    username: string,
    change: MemberChange,
    by: string,
    role: GroupRole | null,
    concerned?: number,
  ): void {
    const data = { conv: group.conv, username, change, by, role };
    const frame = `${JSON.stringify({ event: 'member', tag: 'system', data })}\n`;
    this.fanout.publish(group.convId, frame);
    if (concerned !== undefined) this.sessions.deliver(concerned, frame, this.perUser);
  }
}
