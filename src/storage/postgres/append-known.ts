// The append of a batch whose conversations are all direct and committed before (the
// common case): ONE statement on the pool, its own transaction, so no BEGIN and COMMIT
// round trips, and the conversations' row locks are held only while it runs and commits.
// It locks the conversations in id order (FOR UPDATE: after a wait it reads the committed
// last_seq), numbers the messages after it, stores them and their client_ids, moves the
// counters and the cursors (acks and senders' runs, cursor-moves.ts). Anything unusual (a
// client_id stored before or by another node at once, a conversation not found) writes
// nothing and hands the batch to the transaction of append.ts, which handles every case.
import {
  type AppendResult,
  type CursorUpdate,
  keptOnline,
  type NewMessage,
} from '../conversations.ts';
import { extendRun, type SenderRun } from '../sender-runs.ts';
import { answerResends, splitResends } from './append.ts';
import { lockClientIds } from './client-ids.ts';
import { cursorMoves, MOVE_CURSORS, moveColumns, movesTable } from './cursor-moves.ts';
import type { PgDb } from './db.ts';

/** SQLSTATEs after which the batch takes the transaction path: unique_violation (a stored
 * client_id), deadlock, serialization failure. The statement wrote nothing. */
const TAKE_THE_LONG_WAY = new Set(['23505', '40P01', '40001']);

// `held`: the client_ids' advisory locks (client-ids.ts), before any conversation's.
// $1 the conversations (ascending ids; a message or a move names one by its place in $1,
// from 1); $2..$8 the messages (place of the conversation, place k in it within the batch,
// sender, text, time, client_id, online); $9, $10 each conversation's count and last time;
// $11..$16 the cursor moves with seqs counted from the batch (k), $17 their conversation's
// place (null: not in the batch). `bases` holds the locked last_seqs in $1's order (so
// each row finds its own by subscript, never by a join) and `ok`, false when a conversation
// is missing: then no part writes.
const APPEND_KNOWN = `
  WITH held AS (${lockClientIds(4, 7)}
  ), locked AS (
    SELECT id, last_seq FROM conversations
    WHERE id = ANY($1::bigint[]) AND kind = 'direct' AND (SELECT count(*) FROM held) >= 0
    ORDER BY id FOR UPDATE
  ), bases AS (
    SELECT array_agg(last_seq ORDER BY id) AS b, count(*) = cardinality($1::bigint[]) AS ok
    FROM locked
  ), batch AS (
    SELECT ($1::bigint[])[v.ci] AS conv_id, (SELECT b FROM bases)[v.ci] + v.k AS seq,
      v.sender_id, v.text, v.sent_at, v.client_id, v.online
    FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],
      $8::int[]) AS v(ci, k, sender_id, text, sent_at, client_id, online)
    WHERE (SELECT ok FROM bases)
  ), claimed AS (
    INSERT INTO client_ids (sender_id, client_id, conv_id, seq, at, delivered)
    SELECT sender_id, client_id, conv_id, seq, sent_at, online FROM batch
    WHERE client_id IS NOT NULL ORDER BY sender_id, client_id
  ), stored AS (
    INSERT INTO messages (conv_id, seq, sender_id, text, sent_at, client_id)
    SELECT conv_id, seq, sender_id, text, sent_at, client_id FROM batch
  ), counters AS (
    UPDATE conversations c SET last_seq = (SELECT b FROM bases)[v.ci] + v.n, last_at = v.last_at
    FROM unnest($1::bigint[], $9::bigint[], $10::bigint[]) WITH ORDINALITY AS v(id, n, last_at, ci)
    WHERE c.id = v.id AND (SELECT ok FROM bases)
  ), moves AS (
    SELECT v.user_id, v.conv_id, v.acked, (SELECT b FROM bases)[v.ci] + v.below AS below,
      (SELECT b FROM bases)[v.ci] + v.run_end AS run_end, (SELECT b FROM bases)[v.ci] + v.last AS last
    FROM ${movesTable(11, true)}
    WHERE (SELECT ok FROM bases)
  ), moved AS (${MOVE_CURSORS})
  SELECT b, ok FROM bases`;

/**
 * Appends `messages` in one statement when every one is direct and its conversation's id is
 * in `directIds`; undefined when the batch must take the transaction path (nothing was
 * written then).
 */
export async function appendKnown(
  db: PgDb,
  messages: readonly NewMessage[],
  directIds: ReadonlyMap<string, number>,
  acks: readonly CursorUpdate[],
): Promise<AppendResult[] | undefined> {
  const { firsts, resends } = splitResends(messages);
  const convOf: number[] = [];
  const placeOf: number[] = [];
  const counters = new Map<number, { n: number; lastAt: number }>();
  const runs = new Map<string, SenderRun>();
  for (const { message: m } of firsts) {
    const convId = m.kind === 'direct' ? directIds.get(m.key) : undefined;
    if (convId === undefined) return undefined;
    const counter = counters.get(convId) ?? { n: 0, lastAt: m.sentAt };
    counter.n++;
    counter.lastAt = m.sentAt;
    counters.set(convId, counter);
    convOf.push(convId);
    placeOf.push(counter.n);
    extendRun(runs, `${convId}:${m.senderId}`, m.senderId, convId, counter.n);
  }
  const convIds = [...counters.keys()].sort((a, b) => a - b);
  const placeOfConv = new Map(convIds.map((id, i) => [id, i + 1]));
  const moves = cursorMoves([...runs.values()], acks);
  let row: { b: string[] | null; ok: boolean } | undefined;
  try {
    ({
      rows: [row],
    } = await db.q<{ b: string[] | null; ok: boolean }>(
      APPEND_KNOWN,
      [
        convIds,
        convOf.map((id) => placeOfConv.get(id)),
        placeOf,
        firsts.map((f) => f.message.senderId),
        firsts.map((f) => f.message.text),
        firsts.map((f) => f.message.sentAt),
        firsts.map((f) => f.message.clientId),
        firsts.map((f) => keptOnline(f.message)),
        convIds.map((id) => counters.get(id)?.n),
        convIds.map((id) => counters.get(id)?.lastAt),
        ...moveColumns(moves),
        moves.map((m) => placeOfConv.get(m.convId) ?? null),
      ],
      'append_known',
    ));
  } catch (err) {
    if (TAKE_THE_LONG_WAY.has((err as { code?: string }).code ?? '')) return undefined;
    throw err;
  }
  if (!row?.ok || !row.b) return undefined;
  const bases = row.b.map(Number);
  const results: Array<AppendResult | undefined> = new Array(messages.length);
  firsts.forEach(({ index, message: m }, i) => {
    const convId = convOf[i] as number;
    const base = bases[(placeOfConv.get(convId) as number) - 1] as number;
    results[index] = {
      convId,
      conv: m.key,
      seq: base + (placeOf[i] as number),
      sentAt: m.sentAt,
      duplicate: false,
      delivered: m.delivered,
    };
  });
  return answerResends(results, messages, resends);
}
