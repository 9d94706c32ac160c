// The client's command table: friendly names, aliases, arguments and what each needs.
import { GROUP_COMMANDS } from './group-commands.ts';
import { IDENTITY_COMMANDS } from './identity-commands.ts';

/** What a command needs before it can run. */
export type Needs = 'nothing' | 'connection' | 'session';

/** One argument of a command; a `rest` argument takes the remainder of the line verbatim. */
export interface ArgSpec {
  name: string;
  optional?: boolean;
  rest?: boolean;
}

/** A built-in command: its friendly name, the seed/wire names that also select it, its inputs. */
export interface CommandSpec {
  name: string;
  /** the wire action it sends, when it maps to exactly one */
  action?: string;
  /** other names that select it: the seed's action names and the wire aliases */
  aliases: string[];
  args: ArgSpec[];
  needs: Needs;
  summary: string;
  /** only meaningful at the interactive prompt (asks questions, or manages the prompt itself) */
  interactiveOnly?: boolean;
  /** only meaningful as a one-shot command line */
  scriptOnly?: boolean;
  /** the usage line, when the arguments alone do not say it (login's two forms) */
  usage?: string;
}

const arg = (name: string, extra: Omit<ArgSpec, 'name'> = {}): ArgSpec => ({ name, ...extra });

/** Every built-in command, in the order `help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'connect',
    aliases: [],
    args: [arg('host[:port]', { optional: true })],
    needs: 'nothing',
    summary: 'connect to a server (default from --host/--port)',
    interactiveOnly: true,
  },
  {
    name: 'register',
    action: 'create_user',
    aliases: ['create_user'],
    args: [arg('username', { optional: true })],
    needs: 'connection',
    summary: 'create an account and log in (asks for password, email, phone)',
    interactiveOnly: true,
  },
  {
    name: 'confirm',
    action: 'confirm_user',
    aliases: ['confirm_user'],
    args: [arg('username', { optional: true }), arg('code', { optional: true })],
    needs: 'connection',
    summary: 'finish a registration with the 6-digit code from the email, and log in',
    interactiveOnly: true,
  },
  {
    name: 'login',
    action: 'veus',
    aliases: ['veus', 'verify_user'],
    args: [arg('username', { optional: true }), arg('provider', { optional: true })],
    needs: 'connection',
    summary:
      'log in (asks for the password, which is not shown), or with --id through an identity provider',
    usage: 'login [username | --id <provider>]',
    interactiveOnly: true,
  },
  {
    name: 'forgot',
    action: 'reset_password',
    aliases: ['reset_password'],
    args: [],
    needs: 'connection',
    summary: 'reset a forgotten password with a code sent by email (before login)',
    interactiveOnly: true,
  },
  {
    name: 'ping',
    action: 'ping',
    aliases: [],
    args: [],
    needs: 'connection',
    summary: 'ask the server for pong and show the round-trip time',
  },
  {
    name: 'who',
    action: 'show_online_users',
    aliases: ['show_online_users'],
    args: [arg('limit', { optional: true }), arg('after', { optional: true })],
    needs: 'session',
    summary: 'list the users online (optionally a page: limit, after a username)',
  },
  {
    name: 'msg',
    action: 'message_user',
    aliases: ['message_user', 'message_group'],
    args: [arg('user|#group'), arg('text', { rest: true })],
    needs: 'session',
    summary: 'send a message to a user or a group (1-4,000 characters)',
  },
  {
    name: 'reply',
    aliases: [],
    args: [arg('text', { rest: true })],
    needs: 'session',
    summary: 'answer the last message you got (in its group, or to its sender)',
    interactiveOnly: true,
  },
  {
    name: 'history',
    action: 'history',
    aliases: [],
    args: [arg('@user|#group'), arg('n', { optional: true })],
    needs: 'session',
    summary: 'show the last n messages of a conversation (default 20, at most 1,000)',
  },
  {
    name: 'convs',
    action: 'conversations',
    aliases: ['conversations'],
    args: [],
    needs: 'session',
    summary: 'list your conversations, newest first, with unread counts',
  },
  {
    name: 'read',
    action: 'mark_read',
    aliases: ['mark_read'],
    args: [arg('@user|#group')],
    needs: 'session',
    summary: 'mark a conversation read up to its last message',
  },
  ...GROUP_COMMANDS,
  {
    name: 'whois',
    action: 'user_info',
    aliases: ['info', 'user_info'],
    args: [arg('user')],
    needs: 'session',
    summary: 'show a user: id, level, online, since when (more for yourself and admins)',
  },
  {
    name: 'id',
    action: 'get_id',
    aliases: ['get_id'],
    args: [],
    needs: 'session',
    summary: 'show your user id',
  },
  {
    name: 'level',
    action: 'get_permission_level',
    aliases: ['get_permission_level'],
    args: [],
    needs: 'session',
    summary: 'show your permission level',
  },
  {
    name: 'setlevel',
    action: 'change_permission_level',
    aliases: ['change_permission_level'],
    args: [arg('user'), arg('level')],
    needs: 'session',
    summary: "change a user's permission level (admin)",
  },
  {
    name: 'passwd',
    action: 'change_password',
    aliases: ['change_password'],
    args: [],
    needs: 'session',
    summary: 'change your password (asks for the old one and the new one twice)',
    interactiveOnly: true,
  },
  {
    name: 'delete-account',
    action: 'delete_account',
    aliases: ['delete_account'],
    args: [],
    needs: 'session',
    summary: 'delete your account for good (asks for the password and your username)',
    interactiveOnly: true,
  },
  ...IDENTITY_COMMANDS,
  {
    name: 'ban',
    action: 'ban',
    aliases: [],
    args: [arg('user|#group'), arg('reason|user', { optional: true, rest: true })],
    needs: 'session',
    summary: 'ban a user server-wide (admin; ends their sessions), or: ban #group user',
  },
  {
    name: 'unban',
    action: 'unban',
    aliases: [],
    args: [arg('user|#group'), arg('user', { optional: true })],
    needs: 'session',
    summary: 'lift a server ban (admin), or a group ban: unban #group user',
  },
  {
    name: 'kick',
    action: 'kick',
    aliases: [],
    args: [arg('user|#group'), arg('user', { optional: true })],
    needs: 'session',
    summary: "end a user's sessions (admin), or remove them from a group: kick #group user",
  },
  {
    name: 'kill',
    action: 'kill_server',
    aliases: ['kill_server'],
    args: [arg('reason', { rest: true })],
    needs: 'session',
    summary: 'stop the server, telling everyone why (admin)',
  },
  {
    name: 'audit',
    action: 'audit_log',
    aliases: ['audit_log'],
    args: [arg('n', { optional: true })],
    needs: 'session',
    summary: 'show the newest n entries of the audit log (admin; default 20)',
  },
  {
    name: 'raw',
    aliases: [],
    args: [arg('action'), arg('json-inputs', { optional: true, rest: true })],
    needs: 'connection',
    summary: 'send any action, inputs as a JSON array: raw who [10,"bob"]',
  },
  {
    name: 'listen',
    aliases: [],
    args: [],
    needs: 'connection',
    summary: 'print incoming messages and events until the connection ends (Ctrl-C stops)',
    scriptOnly: true,
  },
  {
    name: 'exit',
    action: 'logout',
    aliases: ['logout', 'disconnect'],
    args: [],
    needs: 'nothing',
    summary: 'log out and disconnect (stay in the client to connect again)',
    interactiveOnly: true,
  },
  {
    name: 'quit',
    aliases: [],
    args: [],
    needs: 'nothing',
    summary: 'log out, disconnect and leave the client (also Ctrl-D)',
    interactiveOnly: true,
  },
  {
    name: 'help',
    aliases: ['?'],
    args: [arg('command', { optional: true })],
    needs: 'nothing',
    summary: 'list the commands, or explain one',
    interactiveOnly: true,
  },
];

const BY_NAME = new Map<string, CommandSpec>();
for (const c of COMMANDS) {
  for (const n of [c.name, ...c.aliases]) BY_NAME.set(n.toLowerCase(), c);
}

/** Finds a built-in command by its friendly name or one of its aliases (any case). */
export function findCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Every name a command can be typed as, for tab completion. */
export function commandNames(mode: 'interactive' | 'script' = 'interactive'): string[] {
  const names: string[] = [];
  for (const c of COMMANDS) {
    if (mode === 'interactive' && c.scriptOnly) continue;
    if (mode === 'script' && c.interactiveOnly) continue;
    names.push(c.name, ...c.aliases.filter((a) => /^[a-z_-]+$/.test(a)));
  }
  return names;
}

/** `msg <user> <text…>` style usage line of a command. */
export function usage(spec: CommandSpec): string {
  if (spec.usage !== undefined) return spec.usage;
  const parts = spec.args.map((a) => {
    const n = a.rest ? `${a.name}…` : a.name;
    return a.optional ? `[${n}]` : `<${n}>`;
  });
  return [spec.name, ...parts].join(' ');
}
