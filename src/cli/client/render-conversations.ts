// How stored conversations look on the terminal: history, the conversation list, read markers
// and the "N messages while you were away" summary after a login.
import { isObject, messageLine, str } from './render.ts';
import type { Style } from './style.ts';

/** How many lines of each conversation the away summary shows. */
export const AWAY_LINES = 3;

/** `@bob` for a direct conversation (by the other user's name), the `#name` of a group. */
export function convLabel(kind: unknown, title: unknown): string {
  return kind === 'group' ? str(title) : `@${str(title)}`;
}

/** The other side of a message as a conversation label, seen by `me`. */
export function labelOf(m: Record<string, unknown>, me: string | undefined): string {
  if (typeof m.conv === 'string' && m.conv.startsWith('#')) return str(m.conv);
  return `@${str(m.from === me ? m.to : m.from)}`;
}

/** history's result: one line per message, oldest first, and a hint when older ones exist. */
export function formatHistory(data: unknown, s: Style): string {
  if (!isObject(data) || !Array.isArray(data.messages)) return str(data);
  const messages = data.messages.filter(isObject);
  if (messages.length === 0) return s.dim(`no messages with ${str(data.conv)} yet`);
  const lines = messages.map(
    (m) => `${s.dim(`#${str(m.seq)}`)} ${messageLine(m, s, { day: true })}`,
  );
  if (data.more === true) {
    lines.unshift(s.dim(`(older messages: history ${str(data.conv)} ${messages.length + 50})`));
  }
  return lines.join('\n');
}

/** convs' result: a line per conversation with its unread count and its last message. */
export function formatConversations(data: unknown, s: Style): string {
  if (!isObject(data) || !Array.isArray(data.conversations)) return str(data);
  const list = data.conversations.filter(isObject);
  if (list.length === 0) return s.dim('no conversations yet');
  const total = typeof data.total === 'number' ? data.total : list.length;
  const head =
    total === list.length
      ? `${total} conversation${total === 1 ? '' : 's'}`
      : `${total} conversations, showing the newest ${list.length}`;
  const labels = list.map((c) => convLabel(c.kind, c.title));
  const width = Math.max(...labels.map((l) => l.length));
  const lines = list.map((c, i) => {
    const unread = Number(c.unread) > 0 ? s.yellow(`${str(c.unread)} unread`) : s.dim('read');
    const last = isObject(c.last) ? `  ${messageLine(c.last, s, { day: true })}` : '';
    return `  ${s.bold((labels[i] ?? '').padEnd(width))}  ${unread}${last}`;
  });
  return [head, ...lines].join('\n');
}

/** read's result: where the read marker is now. */
export function formatRead(data: unknown, typed: string, s: Style): string {
  if (!isObject(data)) return str(data);
  const upTo = Number(data.read_seq) > 0 ? ` up to #${str(data.read_seq)}` : '';
  const label = /^[@#]|^dm:/.test(typed) ? typed : `@${typed}`;
  return `${s.bold(str(label))} marked read${upTo} (${str(data.unread)} unread)`;
}

/**
 * The messages that came in the replay after a login, by conversation (in the order they
 * came): the count, then each conversation's last AWAY_LINES lines.
 */
export function formatAway(messages: readonly object[], me: string | undefined, s: Style): string {
  const byConv = new Map<string, Record<string, unknown>[]>();
  for (const m of messages as readonly Record<string, unknown>[]) {
    const label = labelOf(m, me);
    const list = byConv.get(label) ?? [];
    list.push(m);
    byConv.set(label, list);
  }
  const n = messages.length;
  const lines = [s.yellow(`* ${n} message${n === 1 ? '' : 's'} while you were away`)];
  for (const [label, list] of byConv) {
    lines.push(`  ${s.bold(label)} (${list.length}):`);
    const hidden = list.length - AWAY_LINES;
    if (hidden > 0) lines.push(s.dim(`    … ${hidden} more: history ${label} ${list.length}`));
    for (const m of list.slice(-AWAY_LINES)) lines.push(`    ${messageLine(m, s, { day: true })}`);
  }
  return lines.join('\n');
}
