// The append path of SQLite conversations: each message gets the next seq of its conversation
// inside one BEGIN IMMEDIATE transaction. last_seq is read from the table, or kept from this
// connection's own last commit while no other connection has written (PRAGMA data_version).
import type Database from 'better-sqlite3';
import { type AppendResult, keptOnline, type NewMessage } from '../conversations.ts';
import { extendRun, type SenderRun } from '../sender-runs.ts';

/** A conversation row as the append path reads it. */
interface ConvRow {
  id: number;
  key: string;
  last_seq: number;
  last_at: number | null;
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
  /** The running batch's senders in it (sender-runs.ts), by user id (cleared after each batch). */
  senders: Map<number, SenderRun>;
}

/** Appends messages for SqliteConversations, with the conversations' seqs kept between commits. */
export class SqliteAppend {
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

  constructor(db: Database.Database) {
    const p = <A extends unknown[], R = unknown>(sql: string) => db.prepare<A, R>(sql);
    this.s = {
      convByKey: p<[string], ConvRow>(
        'SELECT id, key, last_seq, last_at FROM conversations WHERE key = ?',
      ),
      convById: p<[number], { key: string }>('SELECT key FROM conversations WHERE id = ?'),
      dataVersion: p<[], number>('PRAGMA data_version').pluck(),
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
    };
    this.appendTx = db.transaction(
      (messages: readonly NewMessage[], dedupSince: number, first?: () => void) => {
        first?.();
        return this.appendNow(messages, dedupSince);
      },
    );
  }

  /** ConversationStore.append: one transaction (`first` runs at its start), results in order. */
  append(messages: readonly NewMessage[], dedupSince: number, first?: () => void): AppendResult[] {
    try {
      return this.appendTx.immediate(messages, dedupSince, first);
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
      const kept = keptOnline(m);
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
      extendRun(conv.senders, m.senderId, m.senderId, conv.id, seq);
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
}
