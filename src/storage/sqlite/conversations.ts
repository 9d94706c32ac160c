// Conversations on SQLite: one WITHOUT ROWID B-tree row per message, keyed (conv_id, seq);
// seq comes from conversations.last_seq as of the BEGIN IMMEDIATE transaction: read from the
// table, or from this connection's own last commit while no other connection has written.
import type Database from 'better-sqlite3';
import type {
  AppendResult,
  ConversationKind,
  ConversationPage,
  ConversationRecord,
  ConversationStore,
  CursorUpdate,
  Membership,
  MessagePage,
  NewMessage,
  StoredMessage,
} from '../conversations.ts';

interface ConvRow {
  id: number;
  key: string;
  kind: ConversationKind;
  last_seq: number;
  last_at: number | null;
}

interface MemberRow extends ConvRow {
  delivered_seq: number;
  read_seq: number;
}

interface MessageRow {
  seq: number;
  sender_id: number;
  text: string;
  sent_at: number;
  client_id: string | null;
}

/** A stored client_id: where its message went. */
interface ClientIdRow {
  conv_id: number;
  seq: number;
  at: number;
  delivered: number;
}

/** The answer for a message whose group was deleted before the commit. */
const GONE = { convId: 0, seq: 0, duplicate: false, gone: true } as const;

const MSG = 'seq, sender_id, text, sent_at, client_id';
const MEMBER = `c.id, c.key, c.kind, c.last_seq, c.last_at, m.delivered_seq, m.read_seq`;

/** At most this many conversations' seqs are kept between appends (then the cache starts over). */
const MAX_CACHED = 50_000;

/** A conversation's seq and time as committed, then as the running batch moves them. */
interface ConvState {
  id: number;
  key: string;
  lastSeq: number;
  lastAt: number | null;
  /** Whether the running batch appended to it. */
  dirty: boolean;
  /** The running batch's senders in it, by user id (cleared after each batch). */
  senders: Map<number, SenderRun>;
}

/**
 * One sender's messages in one conversation in the running batch. The sender's read marker
 * moves to `last`; its delivery cursor, if it was at `first - 1`, moves along the sender's
 * consecutive seqs from `first` to `end` (as each message in turn would move it).
 */
interface SenderRun {
  userId: number;
  first: number;
  end: number;
  last: number;
}

/** The SQLite implementation of ConversationStore, on the database SqliteStorage opened. */
export class SqliteConversations implements ConversationStore {
  private readonly s;
  /**
   * Conversations by key as this connection last committed them; valid while PRAGMA
   * data_version (which moves when another connection commits) stays at `seenVersion`.
   * A deleted group is forgotten; a failed append clears it all.
   */
  private readonly cached = new Map<string, ConvState>();
  private seenVersion = -1;
  /** The append transaction, made once. */
  private readonly appendTx;

  constructor(private readonly db: Database.Database) {
    const p = <A extends unknown[], R = unknown>(sql: string) => db.prepare<A, R>(sql);
    this.s = {
      epoch: p<[], { value: string }>(`SELECT value FROM meta WHERE key = 'epoch'`),
      dataVersion: p<[], number>('PRAGMA data_version').pluck(),
      convByKey: p<[string], ConvRow>(
        'SELECT id, key, kind, last_seq, last_at FROM conversations WHERE key = ?',
      ),
      convById: p<[number], ConvRow>(
        'SELECT id, key, kind, last_seq, last_at FROM conversations WHERE id = ?',
      ),
      insertConv: p<[string, string], { id: number }>(
        'INSERT INTO conversations (key, kind) VALUES (?, ?) RETURNING id',
      ),
      insertMember: p<[number, number]>(
        'INSERT OR IGNORE INTO conv_members (user_id, conv_id) VALUES (?, ?)',
      ),
      updateConv: p<[number, number | null, number]>(
        'UPDATE conversations SET last_seq = ?, last_at = ? WHERE id = ?',
      ),
      insertMessage: p<[number, number, number, string, number, string | null]>(
        'INSERT INTO messages (conv_id, seq, sender_id, text, sent_at, client_id) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      // A sender's cursors after its run (see SenderRun): one statement, no read first.
      moveCursors: p<[number, number, number, number, number]>(
        `UPDATE conv_members SET
           delivered_seq = CASE WHEN delivered_seq = ? THEN ? ELSE delivered_seq END,
           read_seq = max(read_seq, ?)
         WHERE user_id = ? AND conv_id = ?`,
      ),
      moveDelivered: p<[number, number, number]>(
        `UPDATE conv_members SET delivered_seq = max(delivered_seq, ?)
         WHERE user_id = ? AND conv_id = ?`,
      ),
      moveRead: p<[number, number, number], { read_seq: number }>(
        `UPDATE conv_members SET read_seq = max(read_seq, ?) WHERE user_id = ? AND conv_id = ?
         RETURNING read_seq`,
      ),
      clientId: p<[number, string], ClientIdRow>(
        'SELECT conv_id, seq, at, delivered FROM client_ids WHERE sender_id = ? AND client_id = ?',
      ),
      claimClientId: p<[number, string, number, number, number, number]>(
        `INSERT INTO client_ids (sender_id, client_id, conv_id, seq, at, delivered)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sender_id, client_id) DO NOTHING`,
      ),
      putClientId: p<[number, string, number, number, number, number]>(
        `INSERT OR REPLACE INTO client_ids (sender_id, client_id, conv_id, seq, at, delivered)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      membership: p<[number, number], MemberRow>(
        `SELECT ${MEMBER} FROM conv_members m JOIN conversations c ON c.id = m.conv_id
         WHERE m.user_id = ? AND m.conv_id = ?`,
      ),
      pending: p<
        [number],
        { conv_id: number; key: string; delivered_seq: number; last_seq: number }
      >(
        `SELECT m.conv_id, c.key, m.delivered_seq, c.last_seq FROM conv_members m
         JOIN conversations c ON c.id = m.conv_id
         WHERE m.user_id = ? AND c.last_seq > m.delivered_seq`,
      ),
      firstAfter: p<[number, number], { seq: number; sent_at: number }>(
        'SELECT seq, sent_at FROM messages WHERE conv_id = ? AND seq > ? ORDER BY seq LIMIT 1',
      ),
      after: p<[number, number, number, number], MessageRow>(
        `SELECT ${MSG} FROM messages WHERE conv_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
      ),
      before: p<[number, number, number], MessageRow>(
        `SELECT ${MSG} FROM messages WHERE conv_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      last: p<[number], MessageRow>(
        `SELECT ${MSG} FROM messages WHERE conv_id = ? ORDER BY seq DESC LIMIT 1`,
      ),
      members: p<[number], { user_id: number }>(
        'SELECT user_id FROM conv_members WHERE conv_id = ? ORDER BY user_id',
      ),
      myConvs: p<[number, number, number, number], MemberRow>(
        `SELECT ${MEMBER} FROM conv_members m JOIN conversations c ON c.id = m.conv_id
         WHERE m.user_id = ? AND (coalesce(c.last_at, 0), c.id) < (?, ?)
         ORDER BY coalesce(c.last_at, 0) DESC, c.id DESC LIMIT ?`,
      ),
      countConvs: p<[number], { n: number }>(
        'SELECT count(*) AS n FROM conv_members WHERE user_id = ?',
      ),
      convsAfter: p<[number, number], { id: number }>(
        'SELECT id FROM conversations WHERE id > ? ORDER BY id LIMIT ?',
      ),
      purgeOldest: p<[number, number, number, number]>(
        `DELETE FROM messages WHERE conv_id = ? AND seq IN
           (SELECT seq FROM messages WHERE conv_id = ? ORDER BY seq LIMIT ?) AND sent_at < ?`,
      ),
      pruneIds: p<[number, number]>(
        `DELETE FROM client_ids WHERE rowid IN
           (SELECT rowid FROM client_ids ORDER BY rowid LIMIT ?) AND at < ?`,
      ),
    };
    this.appendTx = db.transaction((messages: readonly NewMessage[], dedupSince: number) =>
      this.appendNow(messages, dedupSince),
    );
  }

  async epoch(): Promise<string> {
    const row = this.s.epoch.get();
    if (!row) throw new Error('the message store has no epoch');
    return row.value;
  }

  async append(messages: readonly NewMessage[], dedupSince: number): Promise<AppendResult[]> {
    try {
      return this.appendTx.immediate(messages, dedupSince);
    } catch (err) {
      // Rolled back: the cached seqs may be ahead of the table.
      this.cached.clear();
      throw err;
    }
  }

  private appendNow(messages: readonly NewMessage[], dedupSince: number): AppendResult[] {
    const version = this.s.dataVersion.get() as number;
    // Another connection (a worker process) committed: its seqs are in the table only.
    // Cleared here, never mid-batch: a batch's own states must stay until they are written.
    if (version !== this.seenVersion || this.cached.size >= MAX_CACHED) this.cached.clear();
    this.seenVersion = version;
    const touched: ConvState[] = [];
    const results: AppendResult[] = [];
    for (const m of messages) {
      const known = this.cached.get(m.key);
      // A client_id is claimed with the seq it will get (one statement when it is new); for a
      // conversation not yet read it is looked up first, so a resend creates no conversation.
      let claimed = false;
      const kept = m.online ?? (m.delivered ? 1 : 0);
      if (m.clientId !== null) {
        if (known !== undefined) {
          const { id, lastSeq } = known;
          const claim = this.s.claimClientId.run(
            m.senderId,
            m.clientId,
            id,
            lastSeq + 1,
            m.sentAt,
            kept,
          );
          claimed = claim.changes === 1;
        }
        const seen = claimed ? undefined : this.s.clientId.get(m.senderId, m.clientId);
        if (seen && seen.at >= dedupSince) {
          results.push(this.duplicate(seen, m.key));
          continue;
        }
      }
      const conv = known ?? this.conversationFor(m);
      if (!conv) {
        // A group deleted before its message was committed: nothing is stored.
        results.push({ ...GONE, conv: m.key, sentAt: m.sentAt, delivered: m.delivered });
        continue;
      }
      const seq = ++conv.lastSeq;
      conv.lastAt = m.sentAt;
      if (!conv.dirty) {
        conv.dirty = true;
        touched.push(conv);
      }
      this.s.insertMessage.run(conv.id, seq, m.senderId, m.text, m.sentAt, m.clientId);
      const run = conv.senders.get(m.senderId);
      if (run === undefined) {
        conv.senders.set(m.senderId, { userId: m.senderId, first: seq, end: seq, last: seq });
      } else {
        if (run.end === run.last && seq === run.last + 1) run.end = seq;
        run.last = seq;
      }
      if (m.clientId !== null && !claimed) {
        this.s.putClientId.run(m.senderId, m.clientId, conv.id, seq, m.sentAt, kept);
      }
      results.push({
        convId: conv.id,
        conv: conv.key,
        seq,
        sentAt: m.sentAt,
        duplicate: false,
        delivered: m.delivered,
      });
    }
    for (const c of touched) {
      this.s.updateConv.run(c.lastSeq, c.lastAt, c.id);
      for (const r of c.senders.values()) {
        this.s.moveCursors.run(r.first - 1, r.end, r.last, r.userId, c.id);
      }
      c.senders.clear();
      c.dirty = false;
    }
    return results;
  }

  /** The answer for a resent client_id: the original's place. */
  private duplicate(seen: ClientIdRow, key: string): AppendResult {
    return {
      convId: seen.conv_id,
      conv: this.s.convById.get(seen.conv_id)?.key ?? key,
      seq: seen.seq,
      sentAt: seen.at,
      duplicate: true,
      delivered: seen.delivered === 1,
      online: seen.delivered,
    };
  }

  /**
   * The conversation of a message, read inside the transaction and cached; a direct one is
   * created with its members, a group never (undefined when it is gone).
   */
  private conversationFor(m: NewMessage): ConvState | undefined {
    const row = this.s.convByKey.get(m.key);
    let id: number;
    let lastSeq = 0;
    let lastAt: number | null = null;
    if (row) {
      ({ id } = row);
      lastSeq = row.last_seq;
      lastAt = row.last_at;
    } else {
      if (m.kind === 'group') return undefined;
      id = (this.s.insertConv.get(m.key, m.kind) as { id: number }).id;
      for (const user of m.members) this.s.insertMember.run(user, id);
    }
    const state: ConvState = { id, key: m.key, lastSeq, lastAt, dirty: false, senders: new Map() };
    this.cached.set(m.key, state);
    return state;
  }

  /** Drops a deleted conversation's cached seq (its row is retired under another key). */
  forget(key: string): void {
    this.cached.delete(key);
  }

  async findConversation(key: string): Promise<ConversationRecord | undefined> {
    const row = this.s.convByKey.get(key);
    return row && toConversation(row);
  }

  async membership(userId: number, convId: number): Promise<Membership | undefined> {
    const row = this.s.membership.get(userId, convId);
    return row && toMembership(row);
  }

  async backlog(
    userId: number,
    sentUpTo: ReadonlyMap<number, number>,
    limit: number,
  ): Promise<MessagePage> {
    const pending: Array<{ convId: number; key: string; from: number; to: number; at: number }> =
      [];
    for (const row of this.s.pending.all(userId)) {
      const from = Math.max(row.delivered_seq, sentUpTo.get(row.conv_id) ?? 0);
      if (from >= row.last_seq) continue;
      const first = this.s.firstAfter.get(row.conv_id, from);
      if (!first || first.seq > row.last_seq) continue;
      pending.push({
        convId: row.conv_id,
        key: row.key,
        from,
        to: row.last_seq,
        at: first.sent_at,
      });
    }
    pending.sort((a, b) => a.at - b.at || a.convId - b.convId);
    const messages: StoredMessage[] = [];
    let more = false;
    for (const p of pending) {
      const room = limit - messages.length;
      if (room <= 0) {
        more = true;
        break;
      }
      const rows = this.s.after.all(p.convId, p.from, p.to, room + 1);
      if (rows.length > room) more = true;
      for (const r of rows.slice(0, room)) messages.push(toMessage(p.convId, p.key, r));
    }
    return { messages, more };
  }

  async range(
    convId: number,
    afterSeq: number,
    uptoSeq: number,
    limit: number,
  ): Promise<StoredMessage[]> {
    const key = this.keyOf(convId);
    return this.s.after.all(convId, afterSeq, uptoSeq, limit).map((r) => toMessage(convId, key, r));
  }

  async history(convId: number, beforeSeq: number | null, limit: number): Promise<MessagePage> {
    const key = this.keyOf(convId);
    const rows = this.s.before.all(convId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const more = rows.length > limit;
    const messages = rows.slice(0, limit).reverse();
    return { messages: messages.map((r) => toMessage(convId, key, r)), more };
  }

  async listConversations(
    userId: number,
    limit: number,
    after?: string,
  ): Promise<ConversationPage> {
    let at = Number.MAX_SAFE_INTEGER;
    let id = Number.MAX_SAFE_INTEGER;
    if (after !== undefined) {
      const from = this.s.convByKey.get(after);
      if (from) {
        at = from.last_at ?? 0;
        id = from.id;
      }
    }
    const items = this.s.myConvs.all(userId, at, id, limit).map((row) => {
      const last = this.s.last.get(row.id);
      return {
        ...toMembership(row),
        // A group's member list can be long and is not needed here.
        members: row.kind === 'direct' ? this.s.members.all(row.id).map((m) => m.user_id) : [],
        last: last ? toMessage(row.id, row.key, last) : null,
      };
    });
    return { items, total: this.s.countConvs.get(userId)?.n ?? 0 };
  }

  async saveCursors(updates: readonly CursorUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    this.db.transaction(() => {
      for (const u of updates) this.s.moveDelivered.run(u.deliveredSeq, u.userId, u.convId);
    })();
  }

  async markRead(userId: number, convId: number, seq: number): Promise<number> {
    return this.s.moveRead.get(seq, userId, convId)?.read_seq ?? 0;
  }

  async purgeMessages(
    before: number,
    afterConv: number,
    maxRows: number,
  ): Promise<{ deleted: number; next: number | null }> {
    const chunk = Math.max(1, Math.min(maxRows, 500));
    let deleted = 0;
    const ids = this.s.convsAfter.all(afterConv, 64);
    for (const { id } of ids) {
      for (;;) {
        const n = this.s.purgeOldest.run(id, id, chunk, before).changes;
        deleted += n;
        if (deleted >= maxRows) return { deleted, next: n < chunk ? id : id - 1 };
        if (n < chunk) break;
      }
    }
    return { deleted, next: ids.length < 64 ? null : (ids[ids.length - 1]?.id ?? null) };
  }

  async pruneClientIds(before: number, maxRows: number): Promise<number> {
    return this.s.pruneIds.run(maxRows, before).changes;
  }

  private keyOf(convId: number): string {
    return this.s.convById.get(convId)?.key ?? '';
  }
}

function toConversation(row: ConvRow): ConversationRecord {
  return { id: row.id, key: row.key, kind: row.kind, lastSeq: row.last_seq, lastAt: row.last_at };
}

function toMembership(row: MemberRow): Membership {
  return { ...toConversation(row), deliveredSeq: row.delivered_seq, readSeq: row.read_seq };
}

function toMessage(convId: number, conv: string, r: MessageRow): StoredMessage {
  return {
    convId,
    conv,
    seq: r.seq,
    senderId: r.sender_id,
    text: r.text,
    sentAt: r.sent_at,
    clientId: r.client_id,
  };
}
