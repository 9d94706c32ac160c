// Claiming client_ids for the append path (append.ts): the first statement of an append
// transaction, on client_ids' unique (sender_id, client_id) index, so one client_id sent
// through two nodes at once is stored once (docs/protocol.md section 10).
import { keptOnline, type NewMessage } from '../conversations.ts';
import type { Queryable } from './db.ts';

/** A stored client_id: where its message went, with its conversation's key. */
export interface ClientIdRow {
  sender_id: number;
  client_id: string;
  conv_id: number;
  seq: number;
  at: number;
  delivered: number;
  key: string | null;
}

/** The key of one sender's client_id in maps of a batch. */
export function idOf(senderId: number, clientId: string): string {
  return `${senderId}\u0000${clientId}`;
}

/** The advisory lock class of "a sender's client_id" (with a hash of both). */
const CLIENT_ID_LOCK = 7_715_018;

/**
 * A CTE body that takes the advisory lock of each client_id in the arrays $s and $c (in
 * hash order). Every append takes them before it locks a conversation, so two appends of
 * one client_id through two nodes queue here instead of deadlocking (one on the other's
 * conversation lock, that one on its client_id), whichever path each takes.
 */
export function lockClientIds(s: number, c: number): string {
  return `SELECT pg_advisory_xact_lock(${CLIENT_ID_LOCK}, h) FROM (
      SELECT DISTINCT hashtext(u.s || ':' || u.c) AS h
      FROM unnest($${s}::bigint[], $${c}::text[]) AS u(s, c) WHERE u.c IS NOT NULL ORDER BY h
    ) ids`;
}

const CLAIM = `WITH held AS (${lockClientIds(1, 2)})
  INSERT INTO client_ids (sender_id, client_id, conv_id, seq, at, delivered)
  SELECT s, c, 0, 0, a, d FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int[])
    WITH ORDINALITY AS v(s, c, a, d, n) WHERE (SELECT count(*) FROM held) >= 0 ORDER BY n
  ON CONFLICT (sender_id, client_id) DO NOTHING
  RETURNING sender_id, client_id`;

// Under READ COMMITTED a row updated meanwhile is read again after the wait, so the window
// is checked against the committed `at`.
const TAKE_OVER = `UPDATE client_ids i SET conv_id = 0, seq = 0, at = v.a, delivered = v.d
  FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int[]) AS v(s, c, a, d)
  WHERE i.sender_id = v.s AND i.client_id = v.c AND i.at < $5
  RETURNING i.sender_id, i.client_id`;

const HELD = `SELECT i.sender_id, i.client_id, i.conv_id, i.seq, i.at, i.delivered, c.key
  FROM client_ids i JOIN unnest($1::bigint[], $2::text[]) AS b(sender_id, client_id)
    ON i.sender_id = b.sender_id AND i.client_id = b.client_id
  LEFT JOIN conversations c ON c.id = i.conv_id`;

/**
 * Claims the batch's client_ids (each once in the batch): a new one, or one last used before
 * `dedupSince`, is taken with a placeholder place that writeBatch fills in. Returns the ones
 * already held inside the window, with their place. A concurrent claim of the same id waits
 * on the unique index (or the row) until the other transaction ends, so it sees the
 * committed place; an id held inside the window is only read, never locked, so a batch
 * holds no lock on another message's client_id. Claimed in (sender, client_id) order, so
 * two batches cannot deadlock on each other.
 */
export async function claimClientIds(
  t: Queryable,
  messages: readonly NewMessage[],
  dedupSince: number,
): Promise<Map<string, ClientIdRow>> {
  const held = new Map<string, ClientIdRow>();
  // Within one sender each client_id is here once, so no two are equal.
  let left = [...messages].sort(
    (a, b) => a.senderId - b.senderId || (String(a.clientId) < String(b.clientId) ? -1 : 1),
  );
  const columns = (batch: readonly NewMessage[]) => [
    batch.map((m) => m.senderId),
    batch.map((m) => m.clientId),
    batch.map((m) => m.sentAt),
    batch.map(keptOnline),
  ];
  const without = async (text: string, values: unknown[], name: string) => {
    const { rows } = await t.q<{ sender_id: number; client_id: string }>(text, values, name);
    const got = new Set(rows.map((r) => idOf(r.sender_id, r.client_id)));
    left = left.filter((m) => !got.has(idOf(m.senderId, m.clientId as string)));
  };
  // Twice at most: a held id deleted meanwhile (its group deleted) is claimed anew.
  for (let round = 0; round < 2 && left.length > 0; round++) {
    await without(CLAIM, columns(left), 'append_claim_client_ids');
    if (left.length === 0) break;
    await without(TAKE_OVER, [...columns(left), dedupSince], 'append_take_over_client_ids');
    if (left.length === 0) break;
    const { rows } = await t.q<ClientIdRow>(
      HELD,
      [left.map((m) => m.senderId), left.map((m) => m.clientId)],
      'append_client_ids',
    );
    for (const r of rows) held.set(idOf(r.sender_id, r.client_id), r);
    left = left.filter((m) => !held.has(idOf(m.senderId, m.clientId as string)));
  }
  if (left.length > 0) {
    // Claimed and deleted twice under this transaction: run it again (db.ts retries 40001).
    throw Object.assign(new Error('client_id claims kept changing; retrying'), { code: '40001' });
  }
  return held;
}
