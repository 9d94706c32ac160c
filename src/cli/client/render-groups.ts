// How group replies and `member` events look on the terminal: `[#lab] * bob joined`.
import type { Style } from './style.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sanitised text of a value (the caller passes `str` from render.ts). */
type Str = (v: unknown) => string;

/** The text shown for a group command's reply, or undefined when `command` is none. */
export function formatGroupReply(
  command: string,
  data: unknown,
  s: Style,
  str: Str,
): string | undefined {
  const d = isObject(data) ? data : {};
  const conv = s.cyan(str(d.conv));
  const user = s.bold(str(d.username));
  switch (command) {
    case 'groups':
      return formatGroups(d, s, str);
    case 'members':
      return formatMembers(d, s, str);
    case 'create':
      return `created ${conv} (${str(d.visibility)}); you are its owner`;
    case 'join':
      return `joined ${conv} as ${str(d.role)}`;
    case 'invite':
      return `invited ${user} to ${conv}`;
    case 'role':
      return `${user} is now ${s.bold(str(d.role))} in ${conv}`;
    case 'kick':
      return `kicked ${user} from ${conv}`;
    case 'ban':
      return `${user} is banned from ${conv}`;
    case 'unban':
      return `${user} is no longer banned from ${conv}`;
    case 'msg': {
      const n = Number(d.online);
      return `sent to ${conv} (${Number.isFinite(n) ? n : 0} other${n === 1 ? '' : 's'} online)`;
    }
    default:
      return undefined;
  }
}

/** leave's and delete-group's replies ("left", "deleted") say which group. */
export function formatGroupDone(command: string, conv: string, s: Style): string {
  return command === 'leave' ? `left ${s.cyan(conv)}` : `deleted ${s.cyan(conv)}`;
}

function formatGroups(d: Record<string, unknown>, s: Style, str: Str): string {
  if (!Array.isArray(d.groups)) return str(d);
  const groups = d.groups.filter(isObject);
  if (groups.length === 0) return s.dim('no groups yet (create #name makes one)');
  const total = typeof d.total === 'number' ? d.total : groups.length;
  const head =
    total === groups.length
      ? `${total} group${total === 1 ? '' : 's'}`
      : `${total} groups, showing ${groups.length}`;
  const width = Math.max(...groups.map((g) => str(g.conv).length));
  const lines = groups.map((g) => {
    const n = Number(g.members);
    const members = `${n} member${n === 1 ? '' : 's'}`;
    const role = typeof g.role === 'string' ? s.green(g.role) : s.dim('not a member');
    return `  ${s.bold(str(g.conv).padEnd(width))}  ${str(g.visibility).padEnd(7)}  ${members.padEnd(12)}  ${role}`;
  });
  return [head, ...lines].join('\n');
}

function formatMembers(d: Record<string, unknown>, s: Style, str: Str): string {
  if (!Array.isArray(d.members)) return str(d);
  const members = d.members.filter(isObject);
  const total = typeof d.total === 'number' ? d.total : members.length;
  const head =
    total === members.length
      ? `${total} member${total === 1 ? '' : 's'}`
      : `${total} members, showing ${members.length}`;
  const width = Math.max(0, ...members.map((m) => str(m.username).length));
  const lines = members.map((m) => {
    const online = m.online === true ? s.green('online') : s.dim('offline');
    return `  ${s.bold(str(m.username).padEnd(width))}  ${str(m.role).padEnd(9)}  ${online}`;
  });
  return [head, ...lines].join('\n');
}

/**
 * A `member` event as a line: `[#lab] * bob joined`, `[#lab] * bob was kicked by alice`,
 * `[#lab] * you are now moderator (by alice)`; `me` turns the user's own name into "you".
 */
export function formatMemberEvent(
  d: Record<string, unknown>,
  s: Style,
  str: Str,
  me?: string,
): string {
  const self = d.username === me;
  const who = self ? 'you' : str(d.username);
  const by = typeof d.by === 'string' && d.by !== d.username ? ` by ${str(d.by)}` : '';
  const were = self ? 'were' : 'was';
  let what: string;
  switch (d.change) {
    case 'joined':
      what = `${who} joined`;
      break;
    case 'left':
      what = `${who} left`;
      break;
    case 'invited':
      what = `${who} ${were} invited${by}${self ? ` (join ${str(d.conv)} to accept)` : ''}`;
      break;
    case 'kicked':
    case 'banned':
    case 'unbanned':
      what = `${who} ${were} ${str(d.change)}${by}`;
      break;
    case 'role':
      what = `${who} ${self ? 'are' : 'is'} now ${str(d.role)}${by ? ` (${by.trim()})` : ''}`;
      break;
    case 'deleted':
      what = `the group was deleted by ${self ? 'you' : str(d.username)}`;
      break;
    default:
      what = `${who}: ${str(d.change)}`;
  }
  return `${s.cyan(`[${str(d.conv)}]`)} ${s.dim(`* ${what}`)}`;
}
