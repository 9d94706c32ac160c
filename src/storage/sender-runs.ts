// The rule both stores' appends follow for a sender's own cursors. One sender's messages in
// one conversation within a batch form a run: the sender's read marker moves to `last`; its
// delivery cursor, if it was at `first - 1`, moves along the sender's consecutive seqs from
// `first` to `end` (as each message in turn would move it).

/** One sender's messages in one conversation in the running batch. */
export interface SenderRun {
  userId: number;
  convId: number;
  first: number;
  end: number;
  last: number;
}

/** Adds the sender's message at `seq` to its run under `key` in `runs`, starting one if needed. */
export function extendRun<K>(
  runs: Map<K, SenderRun>,
  key: K,
  userId: number,
  convId: number,
  seq: number,
): void {
  const run = runs.get(key);
  if (run === undefined) {
    runs.set(key, { userId, convId, first: seq, end: seq, last: seq });
    return;
  }
  if (run.end === run.last && seq === run.last + 1) run.end = seq;
  run.last = seq;
}
