// Conversations on PostgreSQL: the same tables as SQLite's; appending is in append-known.ts
// (one statement, the common case) and append.ts (the transaction), reading and cursors here.
import { CommitBatcher } from '../../util/commit-batcher.ts';
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
import { appendBatch } from './append.ts';
import { appendKnown } from './append-known.ts';
import type { PgDb } from './db.ts';

const CONV = 'id, key, kind, last_seq, last_at';
/** Known direct conversation keys held before the set starts again. */
const KNOWN_DIRECT_MAX = 100_000;
const AFTER = `SELECT ${MSG} FROM messages WHERE conv_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`;

/**
 * The backlog (ConversationStore.backlog) in one statement: per conversation with messages
 * above the user's cursor (or above $2/$3's sent-up-to seq when higher), its first pending
 * message gives the conversation's place; then at most $4 messages of each, all ordered by
 * that place and seq, of which the caller keeps $4 - 1 (one more tells that there is more).
 */
const BACKLOG = `
  WITH pending AS (
    SELECT m.conv_id, c.key, c.last_seq,
      greatest(m.delivered_seq, coalesce(s.seq, 0)) AS from_seq
    FROM conv_members m JOIN conversations c ON c.id = m.conv_id
    LEFT JOIN unnest($2::bigint[], $3::bigint[]) AS s(conv_id, seq) ON s.conv_id = m.conv_id
    WHERE m.user_id = $1 AND c.last_seq > m.delivered_seq
  ), placed AS (
    SELECT p.conv_id, p.key, p.last_seq, p.from_seq, f.sent_at AS first_at
    FROM pending p CROSS JOIN LATERAL (
      SELECT seq, sent_at FROM messages
      WHERE conv_id = p.conv_id AND seq > p.from_seq ORDER BY seq LIMIT 1
    ) f
    WHERE p.from_seq < p.last_seq AND f.seq <= p.last_seq
  )
  SELECT p.conv_id, p.key, x.seq, x.sender_id, x.text, x.sent_at, x.client_id
  FROM placed p CROSS JOIN LATERAL (
    SELECT ${MSG} FROM messages
    WHERE conv_id = p.conv_id AND seq > p.from_seq AND seq <= p.last_seq ORDER BY seq LIMIT $4
  ) x
  ORDER BY p.first_at, p.conv_id, x.seq
  LIMIT $4`;

/** A row of MY_CONVERSATIONS: the membership, its newest message (l_*), members, the count. */
interface ListedRow extends MemberRow {
  l_seq: number | null;
  l_sender_id: number | null;
  l_text: string | null;
  l_sent_at: number | null;
  l_client_id: string | null;
  /** bigint[] arrives as strings */
  members: string[] | null;
  total: number;
}

/**
 * One page of the user's conversations (ConversationStore.listConversations) in one
 * statement: most recent first below ($2, $3), each with its newest message and, for a
 * direct one, its members (a group's list can be long and is not needed here).
 */
const MY_CONVERSATIONS = `
  SELECT ${MEMBER},
    l.seq AS l_seq, l.sender_id AS l_sender_id, l.text AS l_text, l.sent_at AS l_sent_at,
    l.client_id AS l_client_id,
    CASE WHEN c.kind = 'direct' THEN
      (SELECT array_agg(o.user_id ORDER BY o.user_id) FROM conv_members o WHERE o.conv_id = c.id)
    END AS members,
    (SELECT count(*) FROM conv_members t WHERE t.user_id = $1) AS total
  FROM conv_members m JOIN conversations c ON c.id = m.conv_id
  LEFT JOIN LATERAL (
    SELECT ${MSG} FROM messages WHERE conv_id = c.id ORDER BY seq DESC LIMIT 1
  ) l ON true
  WHERE m.user_id = $1 AND (coalesce(c.last_at, 0), c.id) < ($2::bigint, $3::bigint)
  ORDER BY coalesce(c.last_at, 0) DESC, c.id DESC
  LIMIT $4`;

/**
 * memberByKey for many (user, key) pairs in one statement; `n` is the pair's place (from 1).
 * A key without a conversation gives no row.
 */
const MEMBERS_BY_KEY = `
  SELECT q.n, c.id, c.key, c.kind, c.last_seq, c.last_at, m.user_id IS NOT NULL AS member,
    coalesce(m.delivered_seq, 0) AS delivered_seq, coalesce(m.read_seq, 0) AS read_seq
  FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS q(user_id, key, n)
  JOIN conversations c ON c.key = q.key
  LEFT JOIN conv_members m ON m.conv_id = c.id AND m.user_id = q.user_id`;

/** The PostgreSQL implementation of ConversationStore. */
export class PgConversations implements ConversationStore {
  /**
   * Direct conversations committed before, key to id (a direct conversation is never
   * deleted): their append skips the creating insert, and takes one statement (append-known.ts).
   */
  private readonly knownDirect = new Map<string, number>();

  /** The turn's membership lookups, read together (one read at a time, like commits). */
  private readonly memberReads = new CommitBatcher(
    (asked: Array<{ userId: number; key: string }>) => this.readMembers(asked),
  );

  constructor(private readonly db: PgDb) {}

  async epoch(): Promise<string> {
    const { rows } = await this.db.q<{ value: string }>(
      `SELECT value FROM meta WHERE key = 'epoch'`,
    );
    const row = rows[0];
    if (!row) throw new Error('the message store has no epoch');
    return row.value;
  }

  async append(
    messages: readonly NewMessage[],
    dedupSince: number,
    acks: readonly CursorUpdate[] = [],
  ): Promise<AppendResult[]> {
    if (messages.length === 0) {
      await this.saveCursors(acks);
      return [];
    }
    // One statement when every conversation is a known direct one; else the transaction.
    const results =
      (await appendKnown(this.db, messages, this.knownDirect, acks)) ??
      (await this.db.tx((t) => appendBatch(t, messages, dedupSince, this.knownDirect, acks)));
    // Only once committed: a rolled-back batch may have been the one that created it.
    if (this.knownDirect.size >= KNOWN_DIRECT_MAX) this.knownDirect.clear();
    messages.forEach((m, i) => {
      const r = results[i];
      if (m.kind === 'direct' && r && !r.gone) this.knownDirect.set(m.key, r.convId);
    });
    return results;
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

  /** Batched: the lookups of one turn (an ack storm) are one statement (MEMBERS_BY_KEY). */
  memberByKey(userId: number, key: string): Promise<KeyedMembership | undefined> {
    return this.memberReads.add({ userId, key });
  }

  private async readMembers(
    asked: ReadonlyArray<{ userId: number; key: string }>,
  ): Promise<Array<KeyedMembership | undefined>> {
    const { rows } = await this.db.q<MemberRow & { n: number; member: boolean }>(
      MEMBERS_BY_KEY,
      [asked.map((a) => a.userId), asked.map((a) => a.key)],
      'members_by_key',
    );
    const found: Array<KeyedMembership | undefined> = new Array(asked.length).fill(undefined);
    for (const row of rows) {
      found[row.n - 1] = {
        conv: toConversation(row),
        member: row.member ? toMembership(row) : undefined,
      };
    }
    return found;
  }

  async backlog(
    userId: number,
    sentUpTo: ReadonlyMap<number, number>,
    limit: number,
  ): Promise<MessagePage> {
    // One round trip, whatever the number of conversations: see BACKLOG.
    const { rows } = await this.db.q<MessageRow & { conv_id: number; key: string }>(
      BACKLOG,
      [userId, [...sentUpTo.keys()], [...sentUpTo.values()], limit + 1],
      'backlog',
    );
    const more = rows.length > limit;
    const messages = rows.slice(0, limit).map((r) => toMessage(r.conv_id, r.key, r));
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
    // One statement for the page, each row with its newest message and (direct) members.
    const { rows } = await this.db.q<ListedRow>(
      MY_CONVERSATIONS,
      [userId, at, id, limit],
      'my_convs',
    );
    const items = rows.map((row) => ({
      ...toMembership(row),
      members: row.members?.map(Number) ?? [],
      last:
        row.l_seq === null
          ? null
          : toMessage(row.id, row.key, {
              seq: row.l_seq,
              sender_id: row.l_sender_id as number,
              text: row.l_text as string,
              sent_at: row.l_sent_at as number,
              client_id: row.l_client_id,
            }),
    }));
    let total = rows[0]?.total;
    if (total === undefined) {
      const { rows: count } = await this.db.q<{ n: number }>(
        'SELECT count(*) AS n FROM conv_members WHERE user_id = $1',
        [userId],
        'my_conv_count',
      );
      total = count[0]?.n ?? 0;
    }
    return { items, total };
  }

  async saveCursors(updates: readonly CursorUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    // One statement, its own transaction (one round trip, not three); a cursor named twice
    // moves to the higher seq; run again if it deadlocks with an append.
    await this.db.retrying(
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
