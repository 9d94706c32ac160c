// Conversations on PostgreSQL: the same tables as SQLite's; appending is in append.ts,
// reading and cursors here.
import type {
  AppendResult,
  ConversationPage,
  ConversationRecord,
  ConversationStore,
  CursorUpdate,
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
import { appendBatch } from './append.ts';
import type { PgDb } from './db.ts';

const CONV = 'id, key, kind, last_seq, last_at';
const AFTER = `SELECT ${MSG} FROM messages WHERE conv_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`;

/** The PostgreSQL implementation of ConversationStore. */
export class PgConversations implements ConversationStore {
  constructor(private readonly db: PgDb) {}

  async epoch(): Promise<string> {
    const { rows } = await this.db.q<{ value: string }>(
      `SELECT value FROM meta WHERE key = 'epoch'`,
    );
    const row = rows[0];
    if (!row) throw new Error('the message store has no epoch');
    return row.value;
  }

  async append(messages: readonly NewMessage[], dedupSince: number): Promise<AppendResult[]> {
    if (messages.length === 0) return [];
    return this.db.tx((t) => appendBatch(t, messages, dedupSince));
  }

  async findConversation(key: string): Promise<ConversationRecord | undefined> {
    const { rows } = await this.db.q<ConvRow>(
      `SELECT ${CONV} FROM conversations WHERE key = $1`,
      [key],
      'conv_by_key',
    );
    return rows[0] && toConversation(rows[0]);
  }

  async membership(userId: number, convId: number): Promise<Membership | undefined> {
    const { rows } = await this.db.q<MemberRow>(
      `SELECT ${MEMBER} FROM conv_members m JOIN conversations c ON c.id = m.conv_id
       WHERE m.user_id = $1 AND m.conv_id = $2`,
      [userId, convId],
      'membership',
    );
    return rows[0] && toMembership(rows[0]);
  }

  async backlog(
    userId: number,
    sentUpTo: ReadonlyMap<number, number>,
    limit: number,
  ): Promise<MessagePage> {
    const { rows: waiting } = await this.db.q<{
      conv_id: number;
      key: string;
      delivered_seq: number;
      last_seq: number;
    }>(
      `SELECT m.conv_id, c.key, m.delivered_seq, c.last_seq FROM conv_members m
       JOIN conversations c ON c.id = m.conv_id
       WHERE m.user_id = $1 AND c.last_seq > m.delivered_seq`,
      [userId],
      'backlog_pending',
    );
    const pending: Array<{ convId: number; key: string; from: number; to: number; at: number }> =
      [];
    for (const row of waiting) {
      const from = Math.max(row.delivered_seq, sentUpTo.get(row.conv_id) ?? 0);
      if (from >= row.last_seq) continue;
      const { rows } = await this.db.q<{ seq: number; sent_at: number }>(
        'SELECT seq, sent_at FROM messages WHERE conv_id = $1 AND seq > $2 ORDER BY seq LIMIT 1',
        [row.conv_id, from],
        'backlog_first',
      );
      const first = rows[0];
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
      const { rows } = await this.db.q<MessageRow>(
        AFTER,
        [p.convId, p.from, p.to, room + 1],
        'messages_after',
      );
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
    const key = await this.keyOf(convId);
    const { rows } = await this.db.q<MessageRow>(
      AFTER,
      [convId, afterSeq, uptoSeq, limit],
      'messages_after',
    );
    return rows.map((r) => toMessage(convId, key, r));
  }

  async history(convId: number, beforeSeq: number | null, limit: number): Promise<MessagePage> {
    const key = await this.keyOf(convId);
    const { rows } = await this.db.q<MessageRow>(
      `SELECT ${MSG} FROM messages WHERE conv_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [convId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1],
      'messages_before',
    );
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
      const from = await this.findConversation(after);
      if (from) {
        at = from.lastAt ?? 0;
        id = from.id;
      }
    }
    const { rows } = await this.db.q<MemberRow>(
      `SELECT ${MEMBER} FROM conv_members m JOIN conversations c ON c.id = m.conv_id
       WHERE m.user_id = $1 AND (coalesce(c.last_at, 0), c.id) < ($2::bigint, $3::bigint)
       ORDER BY coalesce(c.last_at, 0) DESC, c.id DESC LIMIT $4`,
      [userId, at, id, limit],
      'my_convs',
    );
    const items = [];
    for (const row of rows) {
      const { rows: last } = await this.db.q<MessageRow>(
        `SELECT ${MSG} FROM messages WHERE conv_id = $1 ORDER BY seq DESC LIMIT 1`,
        [row.id],
        'last_message',
      );
      // A group's member list can be long and is not needed here.
      const members =
        row.kind === 'direct'
          ? (
              await this.db.q<{ user_id: number }>(
                'SELECT user_id FROM conv_members WHERE conv_id = $1 ORDER BY user_id',
                [row.id],
              )
            ).rows.map((m) => m.user_id)
          : [];
      const newest = last[0];
      items.push({
        ...toMembership(row),
        members,
        last: newest ? toMessage(row.id, row.key, newest) : null,
      });
    }
    const { rows: count } = await this.db.q<{ n: number }>(
      'SELECT count(*) AS n FROM conv_members WHERE user_id = $1',
      [userId],
    );
    return { items, total: count[0]?.n ?? 0 };
  }

  async saveCursors(updates: readonly CursorUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    // One statement; a cursor named twice moves to the higher seq. In tx() for its deadlock retry.
    await this.db.tx((t) =>
      t.q(
        `UPDATE conv_members m SET delivered_seq = greatest(m.delivered_seq, v.seq)
       FROM (SELECT user_id, conv_id, max(seq) AS seq
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(user_id, conv_id, seq)
             GROUP BY user_id, conv_id) AS v
       WHERE m.user_id = v.user_id AND m.conv_id = v.conv_id`,
        [
          updates.map((u) => u.userId),
          updates.map((u) => u.convId),
          updates.map((u) => u.deliveredSeq),
        ],
        'save_cursors',
      ),
    );
  }

  async markRead(userId: number, convId: number, seq: number): Promise<number> {
    const { rows } = await this.db.q<{ read_seq: number }>(
      `UPDATE conv_members SET read_seq = greatest(read_seq, $1) WHERE user_id = $2 AND conv_id = $3
       RETURNING read_seq`,
      [seq, userId, convId],
    );
    return rows[0]?.read_seq ?? 0;
  }

  async purgeMessages(
    before: number,
    afterConv: number,
    maxRows: number,
  ): Promise<{ deleted: number; next: number | null }> {
    const chunk = Math.max(1, Math.min(maxRows, 500));
    let deleted = 0;
    const { rows: ids } = await this.db.q<{ id: number }>(
      'SELECT id FROM conversations WHERE id > $1 ORDER BY id LIMIT 64',
      [afterConv],
    );
    for (const { id } of ids) {
      for (;;) {
        const r = await this.db.q(
          `DELETE FROM messages WHERE conv_id = $1 AND seq IN
             (SELECT seq FROM messages WHERE conv_id = $1 ORDER BY seq LIMIT $2) AND sent_at < $3`,
          [id, chunk, before],
        );
        const n = r.rowCount ?? 0;
        deleted += n;
        if (deleted >= maxRows) return { deleted, next: n < chunk ? id : id - 1 };
        if (n < chunk) break;
      }
    }
    return { deleted, next: ids.length < 64 ? null : (ids[ids.length - 1]?.id ?? null) };
  }

  async pruneClientIds(before: number, maxRows: number): Promise<number> {
    const r = await this.db.q(
      `DELETE FROM client_ids WHERE id IN (SELECT id FROM client_ids ORDER BY id LIMIT $1)
       AND at < $2`,
      [maxRows, before],
    );
    return r.rowCount ?? 0;
  }

  private async keyOf(convId: number): Promise<string> {
    const { rows } = await this.db.q<{ key: string }>(
      'SELECT key FROM conversations WHERE id = $1',
      [convId],
      'conv_key',
    );
    return rows[0]?.key ?? '';
  }
}
