// The transaction path of PostgreSQL appends: one transaction per batch, for every case
// (new conversations, groups, client_ids seen before); a batch of direct conversations
// committed before takes the one-statement path of append-known.ts first. Seqs are gapless and ordered per conversation under concurrent nodes:
// the conversations' rows are locked (FOR UPDATE, in id order, so two nodes cannot
// deadlock) and their last_seq moved in the same transaction as the multi-row inserts.
// A client_id is claimed first, on client_ids' unique (sender_id, client_id) index: two
// nodes sending one client_id at once meet on that index, the second waits for the first
// to commit and then answers its message as a duplicate (docs/protocol.md section 10).
import {
  type AppendResult,
  type CursorUpdate,
  keptOnline,
  type NewMessage,
} from '../conversations.ts';
import { extendRun, type SenderRun } from '../sender-runs.ts';
import { claimClientIds, idOf } from './client-ids.ts';
import {
  type CursorMove,
  cursorMoves,
  MOVE_CURSORS,
  moveColumns,
  movesTable,
} from './cursor-moves.ts';
import type { Queryable } from './db.ts';

/** One message of the batch that will be stored, and where. */
interface Placed {
  index: number;
  message: NewMessage;
  convId: number;
  seq: number;
}

/** A message of the batch with its index there. */
export interface Indexed {
  index: number;
  message: NewMessage;
}

/** A message that resends (same sender and client_id) the one at `first` in its batch. */
export interface Resend {
  index: number;
  first: number;
}

/**
 * The batch without its resends: the first message of each client_id stands for the
 * others, which answer its place (answerResends).
 */
export function splitResends(messages: readonly NewMessage[]): {
  firsts: Indexed[];
  resends: Resend[];
} {
  const firstOf = new Map<string, number>();
  const firsts: Indexed[] = [];
  const resends: Resend[] = [];
  messages.forEach((m, index) => {
    if (m.clientId !== null) {
      const id = idOf(m.senderId, m.clientId);
      const first = firstOf.get(id);
      if (first !== undefined) {
        resends.push({ index, first });
        return;
      }
      firstOf.set(id, index);
    }
    firsts.push({ index, message: m });
  });
  return { firsts, resends };
}

/** A resend within the batch answers the first one's place, as a stored client_id would. */
export function answerResends(
  results: Array<AppendResult | undefined>,
  messages: readonly NewMessage[],
  resends: readonly Resend[],
): AppendResult[] {
  for (const { index, first } of resends) {
    const original = results[first] as AppendResult;
    const kept = keptOnline(messages[first] as NewMessage);
    results[index] =
      original.gone || original.duplicate
        ? original
        : { ...original, duplicate: true, delivered: kept === 1, online: kept };
  }
  return results as AppendResult[];
}

/**
 * ConversationStore.append on one transaction's client; results in the order of `messages`.
 * `acks` move with the senders' cursors (cursor-moves.ts).
 */
export async function appendBatch(
  t: Queryable,
  messages: readonly NewMessage[],
  dedupSince: number,
  knownDirect: { has(key: string): boolean },
  acks: readonly CursorUpdate[] = [],
): Promise<AppendResult[]> {
  const results: Array<AppendResult | undefined> = new Array(messages.length);
  const { firsts, resends } = splitResends(messages);
  const claims = firsts.filter((f) => f.message.clientId !== null);
  const fresh = firsts.filter((f) => f.message.clientId === null);
  const stored = await claimClientIds(
    t,
    claims.map((c) => c.message),
    dedupSince,
  );
  for (const claim of claims) {
    const m = claim.message;
    const row = stored.get(idOf(m.senderId, m.clientId as string));
    if (row === undefined) {
      fresh.push(claim);
      continue;
    }
    // Sent before, inside the window (by this node or another): its place, nothing stored.
    results[claim.index] = {
      convId: row.conv_id,
      conv: row.key ?? m.key,
      seq: row.seq,
      sentAt: row.at,
      duplicate: true,
      delivered: row.delivered === 1,
      online: row.delivered,
    };
  }
  fresh.sort((x, y) => x.index - y.index);

  const convs = await lockConversations(
    t,
    fresh.map((f) => f.message),
    knownDirect,
  );
  const placed: Placed[] = [];
  const unclaimed: NewMessage[] = [];
  const runs = new Map<string, SenderRun>();
  for (const { index, message: m } of fresh) {
    const conv = convs.get(m.key);
    if (!conv) {
      // A group deleted before its message was committed: nothing is stored, nor claimed.
      if (m.clientId !== null) unclaimed.push(m);
      results[index] = {
        convId: 0,
        conv: m.key,
        seq: 0,
        sentAt: m.sentAt,
        duplicate: false,
        delivered: m.delivered,
        gone: true,
      };
      continue;
    }
    const seq = ++conv.lastSeq;
    conv.lastAt = m.sentAt;
    conv.dirty = true;
    placed.push({ index, message: m, convId: conv.id, seq });
    extendRun(runs, `${conv.id}:${m.senderId}`, m.senderId, conv.id, seq);
    results[index] = {
      convId: conv.id,
      conv: m.key,
      seq,
      sentAt: m.sentAt,
      duplicate: false,
      delivered: m.delivered,
    };
  }
  await writeBatch(
    t,
    placed,
    [...convs.values()].filter((c) => c.dirty),
    cursorMoves([...runs.values()], acks),
  );
  if (unclaimed.length > 0) {
    await t.q(
      `DELETE FROM client_ids i USING unnest($1::bigint[], $2::text[]) AS b(sender_id, client_id)
       WHERE i.sender_id = b.sender_id AND i.client_id = b.client_id`,
      [unclaimed.map((m) => m.senderId), unclaimed.map((m) => m.clientId)],
      'append_unclaim',
    );
  }
  return answerResends(results, messages, resends);
}

interface ConvState {
  id: number;
  key: string;
  lastSeq: number;
  lastAt: number | null;
  dirty: boolean;
}

/**
 * Locks the batch's conversations in id order and reads their last_seq; a direct one is
 * created with its members first (a group never: a missing group is simply absent), unless
 * it is in `knownDirect` (committed before: a direct conversation is never deleted).
 */
async function lockConversations(
  t: Queryable,
  messages: readonly NewMessage[],
  knownDirect: { has(key: string): boolean },
): Promise<Map<string, ConvState>> {
  const byKey = new Map<string, NewMessage>();
  for (const m of messages) if (!byKey.has(m.key)) byKey.set(m.key, m);
  const direct = [...byKey.values()].filter((m) => m.kind === 'direct' && !knownDirect.has(m.key));
  if (direct.length > 0) {
    // Concurrent creators of one conversation: ON CONFLICT waits for the other, then skips.
    const { rows } = await t.q<{ id: number; key: string }>(
      `INSERT INTO conversations (key, kind)
       SELECT k, 'direct' FROM unnest($1::text[]) AS k
       WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.key = k)
       ON CONFLICT (key) DO NOTHING RETURNING id, key`,
      [direct.map((m) => m.key)],
      'append_new_convs',
    );
    if (rows.length > 0) {
      const users: number[] = [];
      const convIds: number[] = [];
      for (const row of rows) {
        for (const u of byKey.get(row.key)?.members ?? []) {
          users.push(u);
          convIds.push(row.id);
        }
      }
      await t.q(
        `INSERT INTO conv_members (user_id, conv_id)
         SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING`,
        [users, convIds],
        'append_new_members',
      );
    }
  }
  const { rows } = await t.q<{ id: number; key: string; last_seq: number; last_at: number | null }>(
    `SELECT id, key, last_seq, last_at FROM conversations WHERE key = ANY($1::text[])
     ORDER BY id FOR UPDATE`,
    [[...byKey.keys()]],
    'append_lock_convs',
  );
  const states = new Map<string, ConvState>();
  for (const r of rows) {
    states.set(r.key, {
      id: r.id,
      key: r.key,
      lastSeq: r.last_seq,
      lastAt: r.last_at,
      dirty: false,
    });
  }
  return states;
}

/**
 * The inserts and updates of one batch in ONE statement: messages, client_ids, counters,
 * cursors (acks and senders' runs). Each part writes its own table, so no row is written
 * twice in it.
 */
async function writeBatch(
  t: Queryable,
  placed: readonly Placed[],
  convs: readonly ConvState[],
  moves: readonly CursorMove[],
): Promise<void> {
  if (placed.length === 0) {
    // All duplicates or gone: only the acks move.
    if (moves.length > 0) {
      await t.q(
        `WITH moves AS (SELECT * FROM ${movesTable(1)}) ${MOVE_CURSORS}`,
        moveColumns(moves),
        'append_acks',
      );
    }
    return;
  }
  // The client_ids' places were claimed at the start of the transaction (claimClientIds).
  await t.q(
    `WITH stored AS (
       INSERT INTO messages (conv_id, seq, sender_id, text, sent_at, client_id)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])
       RETURNING conv_id, seq, sender_id, client_id
     ), places AS (
       UPDATE client_ids i SET conv_id = v.conv_id, seq = v.seq FROM stored v
       WHERE v.client_id IS NOT NULL AND i.sender_id = v.sender_id AND i.client_id = v.client_id
     ), counters AS (
       UPDATE conversations c SET last_seq = v.last_seq, last_at = v.last_at
       FROM unnest($7::bigint[], $8::bigint[], $9::bigint[]) AS v(id, last_seq, last_at)
       WHERE c.id = v.id
     ), moves AS (SELECT * FROM ${movesTable(10)})
     ${MOVE_CURSORS}`,
    [
      placed.map((p) => p.convId),
      placed.map((p) => p.seq),
      placed.map((p) => p.message.senderId),
      placed.map((p) => p.message.text),
      placed.map((p) => p.message.sentAt),
      placed.map((p) => p.message.clientId),
      convs.map((c) => c.id),
      convs.map((c) => c.lastSeq),
      convs.map((c) => c.lastAt),
      ...moveColumns(moves),
    ],
    'append_write',
  );
}
