// Groups: creating, joining, leaving, inviting, listing, and posting (stored once,
// fanned out to the online members). Moderation is in group-moderation.ts; every rule
// is asked of group-rules.ts through GroupAccess.
import { ActionError } from '../../protocol/errors.ts';
import {
  GLOBAL_GROUP,
  GroupRefused,
  type GroupRole,
  groupName,
  type Visibility,
} from '../../storage/groups.ts';
import type { Storage } from '../../storage/storage.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { ResolvedConversation } from './conv-directory.ts';
import type { Conversations, OnlineGroup } from './conversations.ts';
import { type GroupAccess, NO_GROUP } from './group-access.ts';
import { targetFits } from './group-rules.ts';
import { storedMessageFrame, storedMessageId } from './message-frames.ts';
import { SendOrder } from './send-order.ts';
import type { Identity, Session, Sessions } from './sessions.ts';

/** Group ids remembered by name, at most (then forgotten and learnt again). */
const MAX_IDS = 100_000;

/** The reply to message_group. */
export interface GroupSendResult {
  id: string;
  conv: string;
  seq: number;
  online: number;
  duplicate?: true;
}

/** Membership and posting of groups. */
export class Groups {
  private readonly order = new SendOrder();
  /** Group ids by name, learnt from lookups; checked against the online index before use. */
  private ids = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly access: GroupAccess,
    private readonly conversations: Conversations,
    private readonly sessions: Sessions,
    private readonly config: Config,
    private readonly clock: Clock,
  ) {
    conversations.directory.groupReader = (user, name) => this.reader(user, name);
    conversations.onlineGroup = (session, conv) => this.onlineGroup(session, conv);
    sessions.onClosed((session) => access.fanout.detach(session));
  }

  /** For set_user, before the replay: puts the session in its groups' online index. */
  async attach(session: Session): Promise<void> {
    const groups = await this.storage.groups.groupsOf(session.user.id);
    // A connection that closed meanwhile was already taken out; it must not come back in.
    if (this.sessions.byTokenHash(session.tokenHash) !== session) return;
    for (const g of groups) this.conversations.delivery.seed(session, g.convId, g.deliveredSeq);
    this.access.fanout.attach(
      session,
      groups.map((g) => g.convId),
    );
  }

  /** `create_group`: the caller owns the new group. */
  async create(
    session: Session,
    name: string,
    visibility: Visibility,
  ): Promise<{ conv: string; visibility: Visibility; role: GroupRole }> {
    const { max_owned } = this.config.groups;
    try {
      const g = await this.storage.groups.create(
        name,
        visibility,
        session.user.id,
        this.clock.now(),
        max_owned,
      );
      this.access.fanout.member(g.convId, session.user.id, true);
      return { conv: g.conv, visibility, role: 'owner' };
    } catch (err) {
      if (!(err instanceof GroupRefused)) throw err;
      if (err.reason === 'name_taken') throw new ActionError('name_taken', `#${name} exists`);
      throw new ActionError('forbidden', `you own ${max_owned} groups, the most allowed`);
    }
  }

  /** `join_group`: a member joining again keeps its role and tells nobody. */
  async join(session: Session, conv: string): Promise<{ conv: string; role: GroupRole }> {
    const me = session.user;
    const { group, standing } = await this.access.locate(me, conv, 'join');
    if (standing.role) return { conv: group.conv, role: standing.role };
    const cap = group.name === GLOBAL_GROUP ? null : this.config.groups.max_members;
    if ((await this.storage.groups.join(group.convId, me.id, cap)) === 'full') {
      throw new ActionError('forbidden', `${group.conv} is full (${cap} members)`);
    }
    await this.seedJoiner(me.id, group.convId);
    this.access.fanout.member(group.convId, me.id, true);
    this.access.tell(group, me.username, 'joined', me.username, 'member');
    return { conv: group.conv, role: 'member' };
  }

  /** `leave_group`: members may leave (the owner hands over or deletes first). */
  async leave(session: Session, conv: string): Promise<string> {
    const me = session.user;
    const { group } = await this.access.locate(me, conv, 'leave');
    await this.storage.groups.leave(group.convId, me.id);
    this.access.fanout.member(group.convId, me.id, false);
    this.access.tell(group, me.username, 'left', me.username, null, me.id);
    return 'left';
  }

  /** `invite`: a moderator or more invites a user who is neither a member nor banned. */
  async invite(
    session: Session,
    conv: string,
    username: string,
  ): Promise<{ conv: string; username: string }> {
    const me = session.user;
    const { group } = await this.access.locate(me, conv, 'invite');
    const target = await this.access.target(group, username);
    const fits = targetFits('invite', target.standing);
    if (fits === 'already_member') {
      throw new ActionError('forbidden', `${username} is already a member`);
    }
    if (fits === 'banned') {
      throw new ActionError('forbidden', `${username} is banned from ${group.conv}; unban first`);
    }
    await this.storage.groups.invite(group.convId, target.user.id, this.clock.now());
    const name = target.user.username;
    this.access.tell(group, name, 'invited', me.username, null, target.user.id);
    return { conv: group.conv, username: name };
  }

  /** `group_members`: a page sorted by username, with who has a live session. */
  async members(
    session: Session,
    conv: string,
    limit: number,
    after: string | undefined,
  ): Promise<{
    members: Array<{ username: string; role: GroupRole; online: boolean }>;
    total: number;
  }> {
    const { group } = await this.access.locate(session.user, conv, 'members');
    const page = await this.storage.groups.members(group.convId, limit, after);
    const members = await Promise.all(
      page.members.map(async (m) => ({
        username: m.username,
        role: m.role,
        online:
          this.sessions.ofUser(m.userId).length > 0 ||
          (await this.sessions.find(m.username)) !== undefined,
      })),
    );
    return { members, total: page.total };
  }

  /** `list_groups`: public groups and the caller's own, by name. */
  async list(
    session: Session,
    limit: number,
    after: string | undefined,
  ): Promise<{
    groups: Array<{
      conv: string;
      visibility: Visibility;
      members: number;
      role: GroupRole | null;
    }>;
    total: number;
  }> {
    const from = after === undefined ? undefined : after.replace(/^#/, '').toLowerCase();
    const page = await this.storage.groups.list(session.user.id, limit, from);
    return {
      groups: page.groups.map((g) => ({
        conv: g.conv,
        visibility: g.visibility,
        members: g.members,
        role: g.role,
      })),
      total: page.total,
    };
  }

  /** `message_group`: stored once, then pushed to the online members (frame built once). */
  async post(
    session: Session,
    conv: string,
    text: string,
    clientId: string | undefined,
  ): Promise<GroupSendResult> {
    const me = session.user;
    let online = 0;
    const result = await this.order.run(
      session,
      async () => {
        const { group } = await this.access.locate(me, conv, 'post');
        online = this.access.fanout.onlineUsers(group.convId, me.id);
        return group;
      },
      (group) =>
        this.conversations.store({
          key: group.conv,
          kind: 'group',
          members: [],
          senderId: me.id,
          text,
          sentAt: this.clock.now(),
          clientId: clientId ?? null,
          delivered: online > 0,
          online,
        }),
    );
    if (result.gone) throw new ActionError('not_found', NO_GROUP);
    const reply: GroupSendResult = {
      id: storedMessageId(result.convId, result.seq),
      conv: result.conv,
      seq: result.seq,
      online: result.duplicate ? (result.online ?? 0) : online,
    };
    if (result.duplicate) return { ...reply, duplicate: true };
    this.conversations.delivery.noteSent(session, result.convId, result.seq);
    const frame = storedMessageFrame(
      {
        id: reply.id,
        conv: reply.conv,
        seq: reply.seq,
        from: me.username,
        to: reply.conv,
        text,
        sent_at: new Date(result.sentAt).toISOString(),
        ...(clientId === undefined ? {} : { client_id: clientId }),
      },
      false,
    );
    this.access.fanout.publish(result.convId, frame);
    return reply;
  }

  /**
   * The group `conv` names if the session is in its online index (a member now). A name
   * reused after a delete maps to the old id, whose index is empty: then undefined.
   */
  private onlineGroup(session: Session, conv: string): OnlineGroup | undefined {
    if (conv.startsWith('@')) return undefined;
    const name = groupName(conv);
    const convId = name === undefined ? undefined : this.ids.get(name);
    if (convId === undefined || !this.access.fanout.has(convId, session)) return undefined;
    return { convId, key: `#${name}` };
  }

  /** The joiner's sessions here start at the cursor the join stored (the group's last seq). */
  private async seedJoiner(userId: number, convId: number): Promise<void> {
    const member = await this.storage.conversations.membership(userId, convId);
    if (!member) return;
    for (const s of this.sessions.ofUser(userId)) {
      this.conversations.delivery.seed(s, convId, member.deliveredSeq, true);
    }
  }

  /** history, ack and mark_read of a group: members only, under the table's `read` rule. */
  private async reader(user: Identity, name: string): Promise<ResolvedConversation> {
    const { group } = await this.access.locateByName(user, name, 'read');
    if (this.ids.size >= MAX_IDS) this.ids = new Map();
    this.ids.set(name, group.convId);
    const member = await this.storage.conversations.membership(user.id, group.convId);
    // Removed between the two reads: answer as the table does for a non-member.
    if (!member) throw new ActionError('forbidden', 'join the group first');
    return { key: group.conv, kind: 'group', member };
  }
}
