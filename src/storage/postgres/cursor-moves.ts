// The conv_members rows one append moves: the acks that wait to be written (their delivery
// cursors) and the senders' runs (sender-runs.ts), one row per (user, conversation), so one
// UPDATE moves each row once. An ack applies first, so a sender whose ack came in the same
// turn as its message has its cursor moved along its run, as a separate write before the
// append would have it.
import type { CursorUpdate } from '../conversations.ts';
import type { SenderRun } from '../sender-runs.ts';

/** One member row's move: an ack (acked) and/or a run (below, runEnd, last); null: none. */
export interface CursorMove {
  userId: number;
  convId: number;
  acked: number | null;
  below: number | null;
  runEnd: number | null;
  last: number | null;
}

/**
 * The UPDATE of the moves in a CTE named `moves` (user_id, conv_id, acked, below, run_end,
 * last): the cursor goes to the ack if higher, then along the run if it is just below it;
 * the read marker to the run's last seq.
 */
export const MOVE_CURSORS = `
  UPDATE conv_members m SET
    delivered_seq = CASE WHEN greatest(m.delivered_seq, v.acked) = v.below THEN v.run_end
                         ELSE greatest(m.delivered_seq, v.acked) END,
    read_seq = greatest(m.read_seq, v.last)
  FROM moves v
  WHERE m.user_id = v.user_id AND m.conv_id = v.conv_id`;

/**
 * The moves' six array parameters from $n on, as a table with MOVE_CURSORS's columns; with
 * `place`, a seventh ($n+6, int[]) as column `ci`.
 */
export function movesTable(n: number, place = false): string {
  const arrays = [0, 1, 2, 3, 4, 5].map((i) => `$${n + i}::bigint[]`);
  if (place) arrays.push(`$${n + 6}::int[]`);
  return `unnest(${arrays.join(', ')})
    AS v(user_id, conv_id, acked, below, run_end, last${place ? ', ci' : ''})`;
}

/** The moves of `runs` and `acks`, merged per member row, in (conversation, user) order. */
export function cursorMoves(
  runs: readonly SenderRun[],
  acks: readonly CursorUpdate[],
): CursorMove[] {
  const moves = new Map<string, CursorMove>();
  const row = (userId: number, convId: number): CursorMove => {
    const key = `${userId}:${convId}`;
    let move = moves.get(key);
    if (move === undefined) {
      move = { userId, convId, acked: null, below: null, runEnd: null, last: null };
      moves.set(key, move);
    }
    return move;
  };
  for (const a of acks) {
    const move = row(a.userId, a.convId);
    move.acked = Math.max(move.acked ?? 0, a.deliveredSeq);
  }
  for (const r of runs) {
    const move = row(r.userId, r.convId);
    move.below = r.first - 1;
    move.runEnd = r.end;
    move.last = r.last;
  }
  // One order for every batch, so two appends lock shared rows the same way round.
  return [...moves.values()].sort((a, b) => a.convId - b.convId || a.userId - b.userId);
}

/** The moves as six array parameters, in MOVE_CURSORS's column order. */
export function moveColumns(moves: readonly CursorMove[]): unknown[][] {
  return [
    moves.map((m) => m.userId),
    moves.map((m) => m.convId),
    moves.map((m) => m.acked),
    moves.map((m) => m.below),
    moves.map((m) => m.runEnd),
    moves.map((m) => m.last),
  ];
}
