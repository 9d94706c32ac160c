// The direct messages the append benches store (bench/store-append.ts on SQLite,
// bench/pg-append.ts on PostgreSQL: conversation n mod 200, its two members in turn;
// bench/store-figures.ts).
import { directKey, type NewMessage } from '../../src/storage/conversations.ts';

const TEXT = 'a typical chat line of about sixty characters, give or take.';
/** Direct conversations the messages go to (benchMessage: n mod this). */
export const BENCH_CONVERSATIONS = 200;

/** A direct message from `from` to `to`, the n-th of its run (a 64-character text). */
export function directMessage(
  from: number,
  to: number,
  n: number,
  clientId: string | null,
): NewMessage {
  return {
    key: directKey(from, to),
    kind: 'direct',
    members: from < to ? [from, to] : [to, from],
    senderId: from,
    text: `${TEXT} ${n}`,
    sentAt: Date.now(),
    clientId,
    delivered: true,
  };
}

/** The n-th message of a run, with the given client_id (or none). */
export function benchMessage(n: number, clientId: string | null): NewMessage {
  const pair = n % BENCH_CONVERSATIONS;
  const a = 2 * pair + 1;
  const b = a + 1;
  const from = Math.floor(n / BENCH_CONVERSATIONS) % 2 === 0 ? a : b;
  return directMessage(from, from === a ? b : a, n, clientId);
}
