// The failover scenario's record of which messages were acknowledged and which
// arrived, per conversation, and the check that nothing acknowledged went missing.

/** Per conversation, the seqs acknowledged to their senders and the seqs received. */
export interface SeqLog {
  acked: Map<string, number[]>;
  received: Map<string, number[]>;
}

/** Adds `seq` to the list of `conv`. */
export function logSeq(log: Map<string, number[]>, conv: string, seq: number): void {
  const seqs = log.get(conv);
  if (seqs) seqs.push(seq);
  else log.set(conv, [seq]);
}

/** The `conv` and `seq` of a message_user reply line ('' and NaN when absent). */
export function convAndSeq(line: string): { conv: string; seq: number } {
  const convAt = line.indexOf('"conv":"');
  const conv = convAt < 0 ? '' : line.slice(convAt + 8, line.indexOf('"', convAt + 8));
  const seqAt = line.indexOf('"seq":');
  const seq = seqAt < 0 ? Number.NaN : Number.parseInt(line.slice(seqAt + 6, seqAt + 24), 10);
  return { conv, seq };
}

/** A SeqLog as plain data for postMessage. */
export type SeqLogData = { acked: Record<string, number[]>; received: Record<string, number[]> };

/** The log as plain data. */
export function seqLogData(log: SeqLog): SeqLogData {
  return { acked: Object.fromEntries(log.acked), received: Object.fromEntries(log.received) };
}

/**
 * Merges the threads' logs and counts the acknowledged messages: how many, and how many
 * of them never arrived in any session of their recipient.
 */
export function ackedNotReceived(logs: SeqLogData[]): { acked: number; missing: number } {
  const received = new Map<string, Set<number>>();
  for (const log of logs) {
    for (const [conv, seqs] of Object.entries(log.received)) {
      const set = received.get(conv) ?? new Set<number>();
      for (const seq of seqs) set.add(seq);
      received.set(conv, set);
    }
  }
  let acked = 0;
  let missing = 0;
  for (const log of logs) {
    for (const [conv, seqs] of Object.entries(log.acked)) {
      const got = received.get(conv);
      for (const seq of seqs) {
        acked += 1;
        if (!got?.has(seq)) missing += 1;
      }
    }
  }
  return { acked, missing };
}
