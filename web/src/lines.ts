// The messages of one conversation as the page shows them: stored ones by seq, own sends
// still on their way by client id; pure functions, so the merging rules are easy to test.
import type { ChatMessage } from '../../src/client/browser.ts';

/** How one of your own messages stands; `received` for everyone else's. */
export type LineState = 'sending' | 'sent' | 'failed' | 'received';

/** One message row. `seq` is absent until the server has stored it. */
export interface Line {
  key: string;
  conv: string;
  seq?: number;
  from: string;
  text: string;
  sentAt: string;
  state: LineState;
  clientId?: string;
}

/** A stored message as a row, seen by `me`. */
export function lineOf(m: ChatMessage, me: string): Line {
  const line: Line = {
    key: `s${m.seq}`,
    conv: m.conv,
    seq: m.seq,
    from: m.from,
    text: m.text,
    sentAt: m.sent_at,
    state: m.from === me ? 'sent' : 'received',
  };
  if (m.client_id !== undefined) line.clientId = m.client_id;
  return line;
}

/**
 * Merges stored messages into `lines`: each seq once, an own send matched by client id
 * replaced by its stored copy, stored ones ascending, unsent ones last.
 */
export function mergeLines(lines: readonly Line[], incoming: readonly Line[]): Line[] {
  const bySeq = new Map<number, Line>();
  const pending: Line[] = [];
  const storedIds = new Set<string>();
  for (const l of incoming) if (l.clientId !== undefined) storedIds.add(l.clientId);
  for (const l of [...lines, ...incoming]) {
    if (l.seq !== undefined) bySeq.set(l.seq, l);
    else if (l.clientId === undefined || !storedIds.has(l.clientId)) pending.push(l);
  }
  const stored = [...bySeq.values()].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return [...stored, ...pending];
}

// One formatter each: building one per call (toLocaleDateString) dominates a long history.
const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** The local day of an ISO time, for the day separators ("Tue 1 Dec 2026"). */
export function dayOf(iso: string): string {
  return dayFormat.format(new Date(iso));
}

/** The local time of an ISO time ("14:05"). */
export function timeOf(iso: string): string {
  return timeFormat.format(new Date(iso));
}
