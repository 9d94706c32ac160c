// Names of conversations and users for the wire: resolves a `conv` input to the
// caller's conversation, and turns stored messages into wire messages and frames.
import { ActionError } from '../../protocol/errors.ts';
import {
  type ConversationKind,
  directKey,
  directMembers,
  type KeyedMembership,
  type Membership,
  type StoredMessage,
} from '../../storage/conversations.ts';
import { groupName } from '../../storage/groups.ts';
import type { Storage } from '../../storage/storage.ts';
import { storedMessageFrame, storedMessageId, type WireMessage } from './message-frames.ts';
import type { Identity } from './sessions.ts';

/** Resolves a group `conv` for reading (history, ack, mark_read) under the group rules. */
export type GroupReader = (user: Identity, name: string) => Promise<ResolvedConversation>;

/** The caller's view of a conversation named by a `conv` input. */
export interface ResolvedConversation {
  /** The canonical key. */
  key: string;
  kind: ConversationKind;
  /** The caller's membership; undefined for a direct conversation without messages yet. */
  member: Membership | undefined;
}

// One message for every conversation the caller may not see, so none leaks.
const NOT_FOUND = 'no such conversation';
const NAME_CACHE = 100_000;
/**
 * How long a cached username is trusted: usernames never change, but an account deleted on
 * another node (or by the CLI) shows as DELETED_NAME after at most this long. A deletion on
 * this node forgets the name at once.
 */
const NAME_TTL_MS = 60_000;

/** How a deleted account is named in messages (brackets are never part of a username). */
export const DELETED_NAME = '[deleted]';

/** Looks up conversations and usernames; caches usernames (for NAME_TTL_MS). */
export class ConvDirectory {
  private readonly names = new Map<number, { name: string; at: number }>();
  /** Set by the groups service; without it every group name is not_found. */
  groupReader: GroupReader | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number,
  ) {}

  /** Remembers a username the caller already knows. */
  learn(id: number, username: string): void {
    if (this.names.size >= NAME_CACHE) this.names.clear();
    this.names.set(id, { name: username, at: this.now() });
  }

  /** Forgets a name at once (its account was deleted on this node). */
  forget(id: number): void {
    this.names.delete(id);
  }

  /** A user's name by id (DELETED_NAME for an account that is gone). */
  async nameOf(id: number): Promise<string> {
    const known = this.names.get(id);
    if (known !== undefined && this.now() - known.at < NAME_TTL_MS) return known.name;
    const user = await this.storage.findUserById(id);
    // A deleted account's messages stay; its name shows as a placeholder no user can take.
    const name = user?.username ?? DELETED_NAME;
    this.learn(id, name);
    return name;
  }

  /**
   * Resolves `dm:<id>:<id>`, `@username`, `#group` or `group` for `user`;
   * not_found (one message for all) when it does not exist or is not the caller's.
   */
  async resolve(user: Identity, input: string): Promise<ResolvedConversation> {
    const me = user.id;
    let other: number | undefined;
    const group = input.startsWith('@') ? undefined : groupName(input);
    if (group !== undefined) {
      if (!this.groupReader) throw new ActionError('not_found', NOT_FOUND);
      return this.groupReader(user, group);
    }
    let found: KeyedMembership | undefined;
    if (input.startsWith('@')) {
      const user = await this.storage.findUserByName(input.slice(1));
      if (user && user.pendingUntil === null) {
        other = user.id;
        found = await this.storage.conversations.memberByKey(me, directKey(me, other));
      }
    } else {
      const pair = directMembers(input);
      if (pair && (pair[0] === me || pair[1] === me)) {
        const peer = pair[0] === me ? pair[1] : pair[0];
        found = await this.storage.conversations.memberByKey(me, directKey(me, peer));
        // A member of a stored conversation reads and acks it whatever became of the other
        // account (a deleted one's messages stay); one not stored yet needs the other to exist.
        if (found || peer === me || (await this.storage.findUserById(peer))) other = peer;
      }
    }
    if (other === undefined) throw new ActionError('not_found', NOT_FOUND);
    if (found && !found.member) throw new ActionError('not_found', NOT_FOUND);
    return { key: directKey(me, other), kind: 'direct', member: found?.member };
  }

  /** A stored message's wire fields. */
  async wire(m: StoredMessage): Promise<WireMessage> {
    const pair = directMembers(m.conv);
    const to = pair ? (pair[0] === m.senderId ? pair[1] : pair[0]) : undefined;
    const wire: WireMessage = {
      id: storedMessageId(m.convId, m.seq),
      conv: m.conv,
      seq: m.seq,
      from: await this.nameOf(m.senderId),
      to: to === undefined ? m.conv : await this.nameOf(to),
      text: m.text,
      sent_at: new Date(m.sentAt).toISOString(),
    };
    if (m.clientId !== null) wire.client_id = m.clientId;
    return wire;
  }

  /** A stored message's event frame. */
  async frame(m: StoredMessage, replayed: boolean): Promise<string> {
    return storedMessageFrame(await this.wire(m), replayed);
  }
}
