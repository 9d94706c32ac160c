// Storage of conversations: messages numbered per conversation, delivery cursors
// and read markers. SQLite implements it now; PostgreSQL can follow.

/** What a conversation is: two users (one, for notes to self) or a group. */
export type ConversationKind = 'direct' | 'group';

/** A conversation as stored. `key` is its canonical wire name (`dm:00001:00002`, `#name`). */
export interface ConversationRecord {
  id: number;
  key: string;
  kind: ConversationKind;
  /** The highest seq committed, 0 before the first message. */
  lastSeq: number;
  /** When the last message was committed (ms), null before the first. */
  lastAt: number | null;
}

/** A stored message; `conv` is its conversation's key. */
export interface StoredMessage {
  convId: number;
  conv: string;
  seq: number;
  senderId: number;
  text: string;
  /** ms since the epoch */
  sentAt: number;
  clientId: string | null;
}

/** A message to append; the conversation is created with `members` if it does not exist. */
export interface NewMessage {
  key: string;
  kind: ConversationKind;
  members: readonly number[];
  senderId: number;
  text: string;
  sentAt: number;
  clientId: string | null;
  /** Whether the recipient was online, kept with the client_id for a duplicate's answer. */
  delivered: boolean;
  /** For a group message: how many members were online, kept the same way. */
  online?: number;
}

/** What a client_id keeps of its message's presence: `online`, or 1/0 for `delivered`. */
export function keptOnline(m: NewMessage): number {
  return m.online ?? (m.delivered ? 1 : 0);
}

/** Where an appended message landed; `duplicate` when its client_id was seen (nothing stored). */
export interface AppendResult {
  convId: number;
  conv: string;
  seq: number;
  sentAt: number;
  duplicate: boolean;
  delivered: boolean;
  /** True when the message's group no longer exists (nothing stored). */
  gone?: boolean;
  /** A group message's `online`, as the first send stored it (for a duplicate's answer). */
  online?: number;
}

/** One user's place in one conversation. */
export interface Membership extends ConversationRecord {
  /** The highest seq a client of the user acknowledged. */
  deliveredSeq: number;
  /** The highest seq the user has read. */
  readSeq: number;
}

/** A delivery cursor to move forward (never back). */
export interface CursorUpdate {
  userId: number;
  convId: number;
  deliveredSeq: number;
}

/** A page of a user's conversations, most recent activity first. */
export interface ConversationPage {
  items: Array<Membership & { members: number[]; last: StoredMessage | null }>;
  total: number;
}

/** Messages in ascending seq, and whether more exist beyond them. */
export interface MessagePage {
  messages: StoredMessage[];
  more: boolean;
}

/** A conversation found by its key, and one user's membership of it (undefined: not a member). */
export interface KeyedMembership {
  conv: ConversationRecord;
  member: Membership | undefined;
}

/** Conversations storage. Seq allocation is gapless and ordered per conversation under concurrent writers. */
export interface ConversationStore {
  /** The store's random id, fixed when it was created. */
  epoch(): Promise<string>;
  /**
   * Appends messages in one transaction, in order: each gets the next seq of its
   * conversation; its sender's read marker moves to it and the sender's delivery cursor
   * too when it was just below. A message whose (sender, clientId) was stored at or after
   * `dedupSince` (ms) stores nothing and answers the original place with `duplicate`.
   * `cursors` (acks waiting to be written) move in the same transaction, before the
   * messages, as saveCursors would move them: a sender's ack counts for its run.
   */
  append(
    messages: readonly NewMessage[],
    dedupSince: number,
    cursors?: readonly CursorUpdate[],
  ): Promise<AppendResult[]>;
  findConversation(key: string): Promise<ConversationRecord | undefined>;
  /** The user's membership of a conversation, if a member. */
  membership(userId: number, convId: number): Promise<Membership | undefined>;
  /**
   * findConversation and membership in one read (an ack's lookup): undefined when no
   * conversation has the key, `member` undefined when the user is not in it.
   */
  memberByKey(userId: number, key: string): Promise<KeyedMembership | undefined>;
  /**
   * The user's messages above each delivery cursor (or above `sentUpTo`'s seq for a
   * conversation when higher), grouped by conversation in seq order, conversations by
   * their oldest pending message; at most `limit`.
   */
  backlog(
    userId: number,
    sentUpTo: ReadonlyMap<number, number>,
    limit: number,
  ): Promise<MessagePage>;
  /** Messages of a conversation with afterSeq < seq <= uptoSeq, ascending, at most `limit`. */
  range(convId: number, afterSeq: number, uptoSeq: number, limit: number): Promise<StoredMessage[]>;
  /** The `limit` messages just below `beforeSeq` (null: the newest), ascending. */
  history(convId: number, beforeSeq: number | null, limit: number): Promise<MessagePage>;
  /** The user's conversations, most recent activity first, after the conversation keyed `after`. */
  listConversations(userId: number, limit: number, after?: string): Promise<ConversationPage>;
  /** Moves delivery cursors forward in one transaction (a cursor never goes back). */
  saveCursors(updates: readonly CursorUpdate[]): Promise<void>;
  /** Moves the user's read marker forward to `seq`; returns the marker after the call. */
  markRead(userId: number, convId: number, seq: number): Promise<number>;
  /**
   * Deletes messages sent before `before` (ms), visiting conversations with id above
   * `afterConv`, at most `maxRows`; `next` is where to go on, null when all were visited.
   */
  purgeMessages(
    before: number,
    afterConv: number,
    maxRows: number,
  ): Promise<{ deleted: number; next: number | null }>;
  /** Forgets client_ids stored before `before` (ms), at most `maxRows`; returns how many. */
  pruneClientIds(before: number, maxRows: number): Promise<number>;
}

/** The canonical key of the direct conversation of two user ids, lower first. */
export function directKey(a: number, b: number): string {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  return `dm:${String(lo).padStart(5, '0')}:${String(hi).padStart(5, '0')}`;
}

/** The two user ids of a direct conversation key, or undefined when `key` is not one. */
export function directMembers(key: string): [number, number] | undefined {
  const m = /^dm:(\d{5,15}):(\d{5,15})$/.exec(key);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2])];
}
