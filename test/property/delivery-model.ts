// The model of section C (CONVERSATIONS.md) the delivery property test checks the real
// server against: the stored messages of each direct conversation and group, and per
// user and conversation the range the server's delivery cursor must lie in.

/** A message the server answered `ok` for: stored with this seq. */
export interface ModelMessage {
  seq: number;
  from: string;
  text: string;
  /** A group message: the members it must reach (those at its send who have not left since). */
  to?: Set<string>;
}

/**
 * Where a user's delivery cursor in one conversation is: somewhere in [lo, hi].
 * `hi` is what the acks (and own sends) moved it to; `lo` is what is surely written.
 * They differ only after a kill -9, which may lose the acks of the last moment.
 */
export interface CursorRange {
  lo: number;
  hi: number;
  /** Set by a kill -9: acks not written by then are gone, a later commit cannot write them. */
  killed: boolean;
}

/** One run's users and conversations. */
export interface DeliveryModel {
  /** The users' names; all share one password. */
  users: string[];
  /** Stored messages per conversation key (`a|b`, names sorted; a group: `#name`), in seq order. */
  convs: Map<string, ModelMessage[]>;
  /** The members of each group, by its key (they joined before its first message). */
  groups: Map<string, Set<string>>;
  /** Cursor ranges by `${user}@${conv}`. */
  cursors: Map<string, CursorRange>;
  /** Who has a live session. */
  online: Set<string>;
  /** Every seq a user's clients ever received, by `${user}@${conv}` (for the end check). */
  everReceived: Map<string, Set<number>>;
}

/** A fresh model of `users` users, all offline, no messages. */
export function newModel(users: string[]): DeliveryModel {
  return {
    users,
    convs: new Map(),
    groups: new Map(),
    cursors: new Map(),
    online: new Set(),
    everReceived: new Map(),
  };
}

/** The model's key of the direct conversation of two users. */
export function convKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** The conversations `user` is in (direct ones with messages, and its groups). */
export function convsOf(m: DeliveryModel, user: string): string[] {
  const direct = [...m.convs.keys()].filter((k) => !m.groups.has(k) && k.split('|').includes(user));
  const groups = [...m.groups].filter(([, members]) => members.has(user)).map(([k]) => k);
  return [...direct, ...groups];
}

/** Who must receive a message: the other user of a direct one, a group one's `to`. */
export function recipientsOf(conv: string, msg: ModelMessage): string[] {
  if (msg.to) return [...msg.to];
  return conv.split('|').filter((u) => u !== msg.from);
}

/** `user` left group `conv`: no cursor there, and nothing sent before is owed to it any more. */
export function noteLeft(m: DeliveryModel, user: string, conv: string): void {
  m.groups.get(conv)?.delete(user);
  m.cursors.delete(`${user}@${conv}`);
  for (const msg of messagesOf(m, conv)) msg.to?.delete(user);
}

/** `user` joined group `conv`: its cursor starts at the group's last seq (no backlog). */
export function noteJoined(m: DeliveryModel, user: string, conv: string): number {
  m.groups.get(conv)?.add(user);
  const last = messagesOf(m, conv).length;
  m.cursors.set(`${user}@${conv}`, { lo: last, hi: last, killed: false });
  return last;
}

/** The stored messages of a conversation. */
export function messagesOf(m: DeliveryModel, conv: string): ModelMessage[] {
  let list = m.convs.get(conv);
  if (!list) {
    list = [];
    m.convs.set(conv, list);
  }
  return list;
}

/** The cursor range of `user` in `conv` (0 before anything). */
export function cursorOf(m: DeliveryModel, user: string, conv: string): CursorRange {
  const key = `${user}@${conv}`;
  let range = m.cursors.get(key);
  if (!range) {
    range = { lo: 0, hi: 0, killed: false };
    m.cursors.set(key, range);
  }
  return range;
}

/**
 * A message `from` sent got `seq`: stored, and the sender's cursor follows it when it was
 * just below (section B: one's own messages never count as unread or pending).
 */
export function noteSent(m: DeliveryModel, from: string, conv: string, msg: ModelMessage): void {
  // The commit of a message writes the acks noted before it first.
  settleAcks(m);
  messagesOf(m, conv).push(msg);
  const c = cursorOf(m, from, conv);
  if (c.hi === msg.seq - 1) c.hi = msg.seq;
  c.lo = c.hi;
}

/** Every noted ack is now surely written (a later commit, or a graceful stop, wrote it). */
export function settleAcks(m: DeliveryModel): void {
  for (const c of m.cursors.values()) if (!c.killed) c.lo = c.hi;
}

/** The server was killed: a cursor is anywhere in its range until the user's next replay says. */
export function noteKilled(m: DeliveryModel): void {
  for (const c of m.cursors.values()) c.killed = c.lo !== c.hi;
}

/** Records that a client of `user` received `seq` in `conv`. */
export function noteReceived(m: DeliveryModel, user: string, conv: string, seq: number): void {
  const key = `${user}@${conv}`;
  let seen = m.everReceived.get(key);
  if (!seen) {
    seen = new Set();
    m.everReceived.set(key, seen);
  }
  seen.add(seq);
}
