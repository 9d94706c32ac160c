// Group moderation: roles and the ownership hand-over, kick, ban and unban, delete.
// The table (group-rules.ts) says who may; moderators act only on strictly lower roles.
import { ActionError } from '../../protocol/errors.ts';
import { GLOBAL_GROUP, type GroupRole } from '../../storage/groups.ts';
import type { Storage } from '../../storage/storage.ts';
import type { Clock } from '../clock.ts';
import type { GroupAccess, Located, Target } from './group-access.ts';
import { GLOBAL_REFUSES, mayActOn, targetFits } from './group-rules.ts';
import type { Session } from './sessions.ts';

/** group_role, group_kick, group_ban, group_unban and delete_group. */
export class GroupModeration {
  constructor(
    private readonly storage: Storage,
    private readonly access: GroupAccess,
    private readonly clock: Clock,
  ) {}

  /** `group_role`: the owner (or an admin) sets a member's role; `owner` hands ownership over. */
  async setRole(
    session: Session,
    conv: string,
    username: string,
    role: GroupRole,
  ): Promise<{ conv: string; username: string; role: GroupRole }> {
    const me = session.user;
    const at = await this.access.locate(me, conv, 'role');
    const target = await this.onTarget(at, username, 'role');
    const { group } = at;
    const name = target.user.username;
    if (target.standing.role === role) return { conv: group.conv, username: name, role };
    if (role === 'owner') {
      if (group.name === GLOBAL_GROUP && GLOBAL_REFUSES.has('hand_over')) {
        throw new ActionError('forbidden', `${group.conv} belongs to no user`);
      }
      const owner = await this.storage.groups.ownerOf(group.convId);
      if (owner === undefined)
        await this.storage.groups.setRole(group.convId, target.user.id, 'owner');
      else {
        await this.storage.groups.handOver(group.convId, owner.userId, target.user.id);
        this.access.tell(group, owner.username, 'role', me.username, 'moderator');
      }
    } else {
      await this.storage.groups.setRole(group.convId, target.user.id, role);
    }
    this.access.tell(group, name, 'role', me.username, role);
    return { conv: group.conv, username: name, role };
  }

  /** `group_kick`: removes a member of a lower role; its sessions stop receiving at once. */
  async kick(
    session: Session,
    conv: string,
    username: string,
  ): Promise<{ conv: string; username: string }> {
    const me = session.user;
    const at = await this.access.locate(me, conv, 'kick');
    const target = await this.onTarget(at, username, 'kick');
    const { group } = at;
    await this.storage.groups.leave(group.convId, target.user.id);
    this.access.fanout.member(group.convId, target.user.id, false);
    this.access.tell(group, target.user.username, 'kicked', me.username, null, target.user.id);
    return { conv: group.conv, username: target.user.username };
  }

  /** `group_ban`: bans (and removes) a user of a lower role. */
  async ban(
    session: Session,
    conv: string,
    username: string,
  ): Promise<{ conv: string; username: string; banned: boolean }> {
    const me = session.user;
    const at = await this.access.locate(me, conv, 'ban');
    const target = await this.onTarget(at, username, 'ban');
    const { group } = at;
    const name = target.user.username;
    if (!target.standing.banned) {
      await this.storage.groups.ban(group.convId, target.user.id, this.clock.now());
      this.access.fanout.member(group.convId, target.user.id, false);
      this.access.tell(group, name, 'banned', me.username, null, target.user.id);
    }
    return { conv: group.conv, username: name, banned: true };
  }

  /** `group_unban`: lifts a ban; the user may join again (a private group: when invited). */
  async unban(
    session: Session,
    conv: string,
    username: string,
  ): Promise<{ conv: string; username: string; banned: boolean }> {
    const me = session.user;
    const at = await this.access.locate(me, conv, 'unban');
    const target = await this.onTarget(at, username, 'unban');
    const { group } = at;
    const name = target.user.username;
    if (target.standing.banned) {
      await this.storage.groups.unban(group.convId, target.user.id);
      this.access.tell(group, name, 'unbanned', me.username, null, target.user.id);
    }
    return { conv: group.conv, username: name, banned: false };
  }

  /** `delete_group`: members are told `deleted`, then the group and its messages go. */
  async delete(session: Session, conv: string): Promise<string> {
    const me = session.user;
    const { group } = await this.access.locate(me, conv, 'delete');
    if (group.name === GLOBAL_GROUP && GLOBAL_REFUSES.has('delete')) {
      throw new ActionError('forbidden', `${group.conv} cannot be deleted`);
    }
    await this.storage.groups.delete(group.convId);
    this.access.tell(group, me.username, 'deleted', me.username, null);
    this.access.fanout.drop(group.convId);
    return 'deleted';
  }

  /** The target, if its role is strictly below the caller's and its standing fits the action. */
  private async onTarget(
    at: Located,
    username: string,
    action: 'kick' | 'ban' | 'unban' | 'role',
  ): Promise<Target> {
    const target = await this.access.target(at.group, username);
    if (!mayActOn(at.roles, target.roles)) {
      throw new ActionError('forbidden', `you may act only on members of a lower role than yours`);
    }
    if (targetFits(action, target.standing) === 'not_member') {
      throw new ActionError(
        'forbidden',
        `${target.user.username} is not a member of ${at.group.conv}`,
      );
    }
    return target;
  }
}
