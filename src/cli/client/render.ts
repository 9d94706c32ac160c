// How replies and server events look on the terminal (text) or in --json mode (one JSON line each).
import { describeReason } from './errors.ts';
import { formatAuditLog } from './render-audit.ts';
import { formatConversations, formatHistory, formatRead } from './render-conversations.ts';
import { formatGroupDone, formatGroupReply, formatMemberEvent } from './render-groups.ts';
import { formatIdentityReply } from './render-identities.ts';
import { type Style, sanitize } from './style.ts';

/** One user in a `who` reply. */
interface OnlineUser {
  id?: unknown;
  username?: unknown;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const str = (v: unknown): string =>
  sanitize(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/** Any reply data as text: strings as they are, everything else as compact JSON. */
export function formatData(data: unknown): string {
  if (data === undefined || data === null) return 'ok';
  return str(data);
}

/** What a command got back (see execute.ts): the reply's data, for ping the round trip. */
export interface ReplyResult {
  data: unknown;
  rttMs?: number;
}

/** The text shown for a successful command; `args` are the command's arguments. */
export function formatReply(
  command: string,
  args: string[],
  result: ReplyResult,
  s: Style,
): string {
  const { data } = result;
  const groupForm = ['msg', 'kick', 'ban', 'unban'].includes(command);
  if (!groupForm || (args[0]?.startsWith('#') && isObject(data))) {
    const group = formatGroupReply(command, data, s, str);
    if (group !== undefined) return group;
  }
  if ((command === 'leave' || command === 'delete-group') && typeof data === 'string') {
    const name = (args[0] ?? '').toLowerCase();
    return formatGroupDone(command, name.startsWith('#') ? name : `#${name}`, s);
  }
  const identity = formatIdentityReply(command, args, data, s, str);
  if (identity !== undefined) return identity;
  switch (command) {
    case 'ping': {
      const rtt = result.rttMs === undefined ? '' : ` (${Math.round(result.rttMs)} ms)`;
      return `${formatData(data)}${rtt}`;
    }
    case 'whois':
      return formatUserInfo(data, s);
    case 'ban':
    case 'unban': {
      if (!isObject(data)) return formatData(data);
      const what = data.banned === true ? 'is banned' : 'is no longer banned';
      return `${s.bold(str(data.username))} ${what}`;
    }
    case 'who':
      return formatWho(data, s);
    case 'msg': {
      if (!isObject(data)) return formatData(data);
      const to = s.bold(str(args[0]));
      return data.delivered === false
        ? `sent to ${to} (stored until they are online)`
        : `sent to ${to}`;
    }
    case 'setlevel': {
      if (!isObject(data)) return formatData(data);
      return `${s.bold(str(data.username))} is now ${s.bold(str(data.level))}`;
    }
    case 'audit':
      return formatAuditLog(data, s, str);
    case 'history':
      return formatHistory(data, s);
    case 'convs':
      return formatConversations(data, s);
    case 'read':
      return formatRead(data, args[0] ?? '', s);
    case 'kick': {
      if (!isObject(data)) return formatData(data);
      const n = Number(data.sessions);
      const sessions = Number.isFinite(n) ? ` (${n} session${n === 1 ? '' : 's'} ended)` : '';
      return `kicked ${s.bold(str(data.username))}${sessions}`;
    }
    default:
      return formatData(data);
  }
}

/** user_info's reply, one field a line; email, phone and banned only when the server sent them. */
function formatUserInfo(data: unknown, s: Style): string {
  if (!isObject(data)) return formatData(data);
  const lines = [
    `${s.bold(str(data.username))} (#${str(data.id)}, ${str(data.level)})`,
    `  online:  ${data.online === true ? 'yes' : 'no'}`,
    `  since:   ${str(data.created_at)}`,
  ];
  if (data.email !== undefined) lines.push(`  email:   ${str(data.email)}`);
  if (data.phone !== undefined)
    lines.push(`  phone:   ${data.phone === null ? '-' : str(data.phone)}`);
  if (data.banned !== undefined) {
    const why = typeof data.ban_reason === 'string' ? ` (${str(data.ban_reason)})` : '';
    lines.push(`  banned:  ${data.banned === true ? `yes${why}` : 'no'}`);
  }
  return lines.join('\n');
}

function formatWho(data: unknown, s: Style): string {
  if (!isObject(data) || !Array.isArray(data.users)) return formatData(data);
  const users = data.users as OnlineUser[];
  const total = typeof data.total === 'number' ? data.total : users.length;
  const head =
    users.length === total ? `${total} online` : `${total} online, showing ${users.length}`;
  const lines = users.map((u) => `  ${s.dim(`#${str(u.id)}`)}  ${s.bold(str(u.username))}`);
  return [head, ...lines].join('\n');
}

/** "alice (#00001, admin)": who you are after login or register. */
export function formatIdentity(
  who: { username?: unknown; id?: unknown; level?: unknown },
  s: Style,
): string {
  const parts = [`#${str(who.id)}`];
  if (who.level !== undefined) parts.push(str(who.level));
  return `${s.bold(s.green(str(who.username)))} (${parts.join(', ')})`;
}

/** The time of day of an ISO timestamp as HH:MM, or the current time when it does not parse. */
export function clock(iso: unknown, now = new Date()): string {
  const d = typeof iso === 'string' ? new Date(iso) : now;
  const t = Number.isNaN(d.getTime()) ? now : d;
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`;
}

/**
 * The text shown for a server event, or undefined for events a person need not see (hello).
 * `me` is the logged-in username, to tell a message to you from one you sent elsewhere.
 */
export function formatEvent(
  name: string,
  data: unknown,
  s: Style,
  me?: string,
): string | undefined {
  const d = isObject(data) ? data : {};
  switch (name) {
    case 'hello':
      return undefined;
    case 'message':
      return messageLine(d, s, { me });
    case 'permission_changed':
      return s.yellow(
        `* your permission level is now ${s.bold(str(d.level))} (changed by ${by(d.by)})`,
      );
    case 'read':
      return s.dim(`* ${str(d.by)} has read your messages up to #${str(d.seq)}`);
    case 'member':
      return formatMemberEvent(d, s, str, me);
    case 'shutdown':
      return s.yellow(`* the server is shutting down: ${str(d.reason)} (by ${by(d.by)})`);
    case 'disconnect':
      return s.yellow(`* disconnected by the server: ${describeReason(str(d.reason))}`);
    default:
      return s.dim(`* event ${sanitize(name)}: ${formatData(data)}`);
  }
}

/**
 * One message as a line: `[18:00] alice: hi`; `[#lab] ` before it in a group; ` → bob` after
 * the sender when `me` is given and it was not sent to me; `day` adds the date unless today.
 */
export function messageLine(
  d: Record<string, unknown>,
  s: Style,
  opts: { me?: string; day?: boolean } = {},
): string {
  const group =
    typeof d.conv === 'string' && d.conv.startsWith('#') ? `${s.cyan(`[${str(d.conv)}]`)} ` : '';
  const me = opts.me;
  const to = group || me === undefined || d.to === me ? '' : ` → ${str(d.to)}`;
  const text = str(d.text).replace(/\n/g, '\n    ');
  const at = opts.day ? dayAndClock(d.sent_at) : clock(d.sent_at);
  return `${s.dim(`[${at}]`)} ${group}${s.bold(s.magenta(str(d.from)))}${to}: ${text}`;
}

/** `HH:MM` for today, else `YYYY-MM-DD HH:MM` (local time). */
export function dayAndClock(iso: unknown, now = new Date()): string {
  const d = typeof iso === 'string' ? new Date(iso) : now;
  if (Number.isNaN(d.getTime()) || d.toDateString() === now.toDateString()) return clock(iso, now);
  const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return `${day} ${clock(iso, now)}`;
}

function by(who: unknown): string {
  return who === null || who === undefined ? 'the operator' : str(who);
}

/** A --json line for a successful reply; ping adds the round trip as `rtt_ms`. */
export function jsonReply(
  command: string,
  action: string | undefined,
  result: ReplyResult,
): string {
  const line: Record<string, unknown> = { type: 'reply', command, action, ok: true };
  line.data = result.data;
  if (result.rttMs !== undefined) line.rtt_ms = Math.round(result.rttMs * 100) / 100;
  return JSON.stringify(line);
}

/** A --json line for a server event. */
export function jsonEvent(name: string, data: unknown): string {
  return JSON.stringify({ type: 'event', event: name, data });
}

/** A --json line for a failure (written to stderr). */
export function jsonError(text: string, code?: string): string {
  return JSON.stringify({ type: 'error', ok: false, code: code ?? null, message: text });
}
