// Conversations on SQLite: one WITHOUT ROWID B-tree row per message, keyed (conv_id, seq);
// appending is in append.ts, reading and cursors here.
import type Database from 'better-sqlite3';
import type {
  AppendResult,
  ConversationPage,
  ConversationRecord,
  ConversationStore,
  CursorUpdate,
  KeyedMembership,
  Membership,
  MessagePage,
  NewMessage,
  StoredMessage,
} from '../conversations.ts';
import {
  type ConvRow,
  MEMBER_COLUMNS as MEMBER,
  type MemberRow,
  type MessageRow,
  MESSAGE_COLUMNS as MSG,
  toConversation,
  toMembership,
  toMessage,
} from '../sql-rows.ts';
import { SqliteAppend } from './append.ts';

/** The SQLite implementation of ConversationStore, on the database SqliteStorage opened. */
export class SqliteConversations implements ConversationStore {
  private readonly s;
  /** The append path and its cached seqs. */
  private readonly appender: SqliteAppend;
  constructor(private readonly db: Database.Database) {
    const p = <A extends unknown[], R = unknown>(sql: string) => db.prepare<A, R>(sql);
    this.s = {
      epoch: p<[], { value: string }>(`SELECT value FROM meta WHERE key = 'epoch'`),
      convByKey: p<[string], ConvRow>(
        'SELECT id, key, kind, last_seq, last_at FROM conversations WHERE key = ?',
      ),
      convById: p<[number], ConvRow>(
        'SELECT id, key, kind, last_seq, last_at FROM conversations WHERE id = ?',
      ),
      moveDelivered: p<[number, number, number]>(
        `UPDATE conv_members SET delivered_seq = max(delivered_seq, ?)
         WHERE user_id = ? AND conv_id = ?`,
      ),
      moveRead: p<[number, number, number], { read_seq: number }>(
        `UPDATE conv_members SET read_seq = max(read_seq, ?) WHERE user_id = ? AND conv_id = ?
         RETURNING read_seq`,
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
    this.appender = new SqliteAppend(db);
  }

  async epoch(): Promise<string> {
    const row = this.s.epoch.get();
    if (!row) throw new Error('the message store has no epoch');
    return row.value;
  }

  async append(
    messages: readonly NewMessage[],
    dedupSince: number,
    cursors: readonly CursorUpdate[] = [],
  ): Promise<AppendResult[]> {
    const first = cursors.length > 0 ? () => this.moveCursors(cursors) : undefined;
    return this.appender.append(messages, dedupSince, first);
  }

  /** Drops a deleted conversation's cached seq (its row is retired under another key). */
  forget(key: string): void {
    this.appender.forget(key);
  }

  async findConversation(key: string): Promise<ConversationRecord | undefined> {
    const row = this.s.convByKey.get(key);
    return row && toConversation(row);
  }

  async membership(userId: number, convId: number): Promise<Membership | undefined> {
    const row = this.s.membership.get(userId, convId);
    return row && toMembership(row);
  }

  async memberByKey(userId: number, key: string): Promise<KeyedMembership | undefined> {
    const row = this.s.convByKey.get(key);
    if (!row) return undefined;
    const member = this.s.membership.get(userId, row.id);
    return { conv: toConversation(row), member: member && toMembership(member) };
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
    this.db.transaction(() => this.moveCursors(updates))();
  }

  /** Moves delivery cursors forward (inside the caller's transaction). */
  private moveCursors(updates: readonly CursorUpdate[]): void {
    for (const u of updates) this.s.moveDelivered.run(u.deliveredSeq, u.userId, u.convId);
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
