// The append path of PostgreSQL conversations: one group commit is ONE call of the
// ss_append function (append-function.ts), its own transaction, so one round trip.
// Seqs are gapless and ordered per conversation under concurrent nodes: the function
// locks the conversations' rows (FOR UPDATE, in id order, so two nodes cannot deadlock)
// and moves last_seq in the same transaction as the inserts. Two nodes sending one
// client_id at once meet on client_ids' unique (sender_id, client_id) index: the second
// waits for the first to commit and answers its message as a duplicate
// (docs/protocol.md section 10).
import type { AppendResult, NewMessage } from '../conversations.ts';
import type { PgDb } from './db.ts';

/** A row of ss_append: one per message it was given, in order. */
interface AppendRow {
  r_n: number;
  r_conv: number | null;
  r_seq: number | null;
  r_at: number | null;
  r_state: 'stored' | 'duplicate' | 'gone';
  r_online: number | null;
  r_key: string | null;
}

const APPEND = 'SELECT * FROM ss_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)';

/** The key of one sender's client_id in maps of a batch. */
function idOf(senderId: number, clientId: string): string {
  return `${senderId}\u0000${clientId}`;
}

/**
 * ConversationStore.append in one statement; results in the order of `messages`. A direct
 * conversation in `knownDirect` (committed before) skips the creating insert.
 */
export async function appendBatch(
  db: PgDb,
  messages: readonly NewMessage[],
  dedupSince: number,
  knownDirect: ReadonlySet<string>,
): Promise<AppendResult[]> {
  // A resend of a client_id earlier in this batch answers that one's place: the function
  // sees each client_id once.
  const firstOf = new Map<string, number>();
  const resends: Array<{ index: number; first: number }> = [];
  const unique: number[] = [];
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
    unique.push(index);
  });
  const batch = unique.map((i) => messages[i] as NewMessage);
  const { rows } = await db.retrying<AppendRow>(
    APPEND,
    [
      batch.map((m) => m.key),
      batch.map((m) => m.senderId),
      batch.map((m) => m.text),
      batch.map((m) => m.sentAt),
      batch.map((m) => m.clientId),
      batch.map((m) => m.online ?? (m.delivered ? 1 : 0)),
      batch.map((m) => (m.kind === 'direct' ? (m.members[0] ?? null) : null)),
      batch.map((m) => (m.kind === 'direct' ? (m.members[1] ?? null) : null)),
      batch.map((m) => m.kind === 'direct' && !knownDirect.has(m.key)),
      dedupSince,
    ],
    'append',
  );
  const results: AppendResult[] = new Array(messages.length);
  for (const row of rows) {
    const index = unique[row.r_n - 1] as number;
    results[index] = toResult(messages[index] as NewMessage, row);
  }
  for (const { index, first } of resends) {
    const original = results[first] as AppendResult;
    const m = messages[first] as NewMessage;
    const kept = m.online ?? (m.delivered ? 1 : 0);
    results[index] =
      original.gone || original.duplicate
        ? original
        : { ...original, duplicate: true, delivered: kept === 1, online: kept };
  }
  return results;
}

/** One message's AppendResult from its ss_append row. */
function toResult(m: NewMessage, row: AppendRow): AppendResult {
  if (row.r_state === 'duplicate') {
    // Sent before, inside the window (by this node or another): its place, nothing stored.
    return {
      convId: row.r_conv as number,
      conv: row.r_key ?? m.key,
      seq: row.r_seq as number,
      sentAt: row.r_at as number,
      duplicate: true,
      delivered: row.r_online === 1,
      online: row.r_online as number,
    };
  }
  if (row.r_state === 'gone') {
    // A group deleted before its message was committed: nothing is stored, nor claimed.
    return {
      convId: 0,
      conv: m.key,
      seq: 0,
      sentAt: m.sentAt,
      duplicate: false,
      delivered: m.delivered,
      gone: true,
    };
  }
  return {
    convId: row.r_conv as number,
    conv: m.key,
    seq: row.r_seq as number,
    sentAt: m.sentAt,
    duplicate: false,
    delivered: m.delivered,
  };
}
