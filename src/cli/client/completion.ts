// Tab completion at the prompt: command names first, then user and group names, levels, roles
// and addresses.
import { commandNames, findCommand } from './commands.ts';

/** What completion may offer besides command names. */
export interface CompletionContext {
  /** user names seen (from who and incoming messages) */
  users: string[];
  /** group names seen (`#lab`: from groups, list_groups at login, messages, member events) */
  groups?: string[];
  /** the current default address, offered after connect */
  address: string;
  /** permission levels to offer after setlevel <user> */
  levels?: string[];
}

/**
 * readline's completer: the candidates for the word being typed, and that word. A single
 * candidate ends with a space, so the next word can be typed at once (`ms` Tab → `msg `).
 */
export function completions(line: string, ctx: CompletionContext): [string[], string] {
  const [candidates, current] = candidatesFor(line, ctx);
  if (candidates.length === 1) return [[`${candidates[0]} `], current];
  return [candidates, current];
}

function candidatesFor(line: string, ctx: CompletionContext): [string[], string] {
  const words = line.trimStart().split(/\s+/);
  const current = words[words.length - 1] ?? '';
  if (words.length <= 1) {
    // `/msg` completes like `msg`, keeping the slash.
    const slash = current.startsWith('/') ? '/' : '';
    const names = match(commandNames('interactive'), current.slice(slash.length));
    return [names.map((n) => slash + n), current];
  }
  const spec = findCommand((words[0] ?? '').replace(/^\//, ''));
  const index = words.length - 2;
  const groups = ctx.groups ?? [];
  const inGroup = (words[1] ?? '').startsWith('#');
  let candidates: string[] = [];
  switch (spec?.name) {
    case 'msg':
    case 'kick':
    case 'ban':
    case 'unban':
      if (index === 0) candidates = [...ctx.users, ...groups];
      if (index === 1 && inGroup && spec.name !== 'msg') candidates = ctx.users;
      break;
    case 'whois':
      if (index === 0) candidates = ctx.users;
      break;
    case 'history':
    case 'read':
    case 'switch':
      if (index === 0) candidates = [...ctx.users.map((u) => `@${u}`), ...groups];
      break;
    case 'join':
    case 'leave':
    case 'members':
    case 'delete-group':
      if (index === 0) candidates = groups;
      break;
    case 'invite':
    case 'role':
      if (index === 0) candidates = groups;
      if (index === 1) candidates = ctx.users;
      if (index === 2 && spec.name === 'role') candidates = ['owner', 'moderator', 'member'];
      break;
    case 'setlevel':
      if (index === 0) candidates = ctx.users;
      if (index === 1) candidates = ctx.levels ?? ['admin', 'basic'];
      break;
    case 'connect':
      if (index === 0) candidates = [ctx.address];
      break;
    case 'help':
      if (index === 0) candidates = commandNames('interactive');
      break;
  }
  return [match(candidates, current), current];
}

function match(candidates: string[], prefix: string): string[] {
  const p = prefix.toLowerCase();
  return [...new Set(candidates)].filter((c) => c.toLowerCase().startsWith(p)).sort();
}
