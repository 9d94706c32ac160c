// Claiming client_ids for the append path (append.ts): the first statement of an append
// transaction, on client_ids' unique (sender_id, client_id) index, so one client_id sent
// through two nodes at once is stored once (docs/protocol.md section 10).
import type { NewMessage } from '../conversations.ts';
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

/**
 * Claims the batch's client_ids (each once in the batch): a new one, or one last used before
 * `dedupSince`, is taken with a placeholder place that writeBatch fills in. Returns the ones
 * already held inside the window, with their place: a concurrent claim of the same id waits
 * on the unique index until the other transaction ends, so it sees the committed place.
 * Claimed in (sender, client_id) order, so two batches cannot deadlock on each other.
 */
export async function claimClientIds(
  t: Queryable,
  messages: readonly NewMessage[],
  dedupSince: number,
): Promise<Map<string, ClientIdRow>> {
  const held = new Map<string, ClientIdRow>();
  if (messages.length === 0) return held;
  // Within one sender each client_id is here once, so no two are equal.
  const sorted = [...messages].sort(
    (a, b) => a.senderId - b.senderId || (String(a.clientId) < String(b.clientId) ? -1 : 1),
  );
  const { rows: taken } = await t.q<{ sender_id: number; client_id: string }>(
    `INSERT INTO client_ids (sender_id, client_id, conv_id, seq, at, delivered)
     SELECT s, c, 0, 0, a, d FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int[])
       WITH ORDINALITY AS v(s, c, a, d, n) ORDER BY n
     ON CONFLICT (sender_id, client_id) DO UPDATE SET conv_id = 0, seq = 0, at = excluded.at,
       delivered = excluded.delivered
     WHERE client_ids.at < $5
     RETURNING sender_id, client_id`,
    [
      sorted.map((m) => m.senderId),
      sorted.map((m) => m.clientId),
      sorted.map((m) => m.sentAt),
      sorted.map((m) => m.online ?? (m.delivered ? 1 : 0)),
      dedupSince,
    ],
    'append_claim_client_ids',
  );
  if (taken.length === messages.length) return held;
  const mine = new Set(taken.map((r) => idOf(r.sender_id, r.client_id)));
  const others = sorted.filter((m) => !mine.has(idOf(m.senderId, m.clientId as string)));
  const { rows } = await t.q<ClientIdRow>(
    `SELECT i.sender_id, i.client_id, i.conv_id, i.seq, i.at, i.delivered, c.key
     FROM client_ids i JOIN unnest($1::bigint[], $2::text[]) AS b(sender_id, client_id)
       ON i.sender_id = b.sender_id AND i.client_id = b.client_id
     LEFT JOIN conversations c ON c.id = i.conv_id`,
    [others.map((m) => m.senderId), others.map((m) => m.clientId)],
    'append_client_ids',
  );
  for (const r of rows) held.set(idOf(r.sender_id, r.client_id), r);
  return held;
}
