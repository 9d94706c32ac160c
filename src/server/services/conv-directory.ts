// Names of conversations and users for the wire: resolves a `conv` input to the
// caller's conversation, and turns stored messages into wire messages and frames.
import { ActionError } from '../../protocol/errors.ts';
import {
  type ConversationKind,
  directKey,
  directMembers,
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

/** How a deleted account is named in messages (brackets are never part of a username). */
export const DELETED_NAME = '[deleted]';

/** Looks up conversations and usernames; caches usernames (they never change). */
export class ConvDirectory {
  private readonly names = new Map<number, string>();
  /** Set by the groups service; without it every group name is not_found. */
  groupReader: GroupReader | undefined;

  constructor(private readonly storage: Storage) {}

  /** Remembers a username the caller already knows. */
  learn(id: number, username: string): void {
    if (this.names.size >= NAME_CACHE) this.names.clear();
    this.names.set(id, username);
  }

  /** A user's name by id ('' for an account that is gone). */
  async nameOf(id: number): Promise<string> {
    const known = this.names.get(id);
    if (known !== undefined) return known;
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
    if (input.startsWith('@')) {
      const user = await this.storage.findUserByName(input.slice(1));
      if (user && user.pendingUntil === null) other = user.id;
    } else {
      const pair = directMembers(input);
      if (pair && (pair[0] === me || pair[1] === me)) {
        other = pair[0] === me ? pair[1] : pair[0];
        if (other !== me && !(await this.storage.findUserById(other))) other = undefined;
      }
    }
    if (other === undefined) throw new ActionError('not_found', NOT_FOUND);
    const key = directKey(me, other);
    const conv = await this.storage.conversations.findConversation(key);
    const member = conv && (await this.storage.conversations.membership(me, conv.id));
    if (conv && !member) throw new ActionError('not_found', NOT_FOUND);
    return { key, kind: 'direct', member };
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
