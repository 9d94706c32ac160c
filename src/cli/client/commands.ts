// The client's command table and the parser that turns a typed line into a command or raw action.

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
    name: 'login',
    action: 'veus',
    aliases: ['veus', 'verify_user'],
    args: [arg('username', { optional: true })],
    needs: 'connection',
    summary: 'log in (asks for the password, which is not shown)',
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
    aliases: ['message_user'],
    args: [arg('user'), arg('text', { rest: true })],
    needs: 'session',
    summary: 'send a direct message',
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
    name: 'kick',
    action: 'kick',
    aliases: [],
    args: [arg('user')],
    needs: 'session',
    summary: "end a user's sessions (admin)",
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
    name: 'raw',
    aliases: [],
    args: [arg('action'), arg('json-inputs', { optional: true, rest: true })],
    needs: 'connection',
    summary: 'send any action with inputs given as a JSON array, e.g. raw who [10, "bob"]',
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
    names.push(c.name, ...c.aliases.filter((a) => /^[a-z_]+$/.test(a)));
  }
  return names;
}

/** `msg <user> <text…>` style usage line of a command. */
export function usage(spec: CommandSpec): string {
  const parts = spec.args.map((a) => {
    const n = a.rest ? `${a.name}…` : a.name;
    return a.optional ? `[${n}]` : `<${n}>`;
  });
  return [spec.name, ...parts].join(' ');
}

/** One word of a typed line: its value (quotes removed) and where it started in the line. */
export interface Token {
  value: string;
  start: number;
  quoted: boolean;
}

/**
 * Splits a line into words on whitespace. "double" and 'single' quotes group words; inside
 * double quotes, \" and \\ are escapes. A quote that is never closed is an ordinary character,
 * so `msg bob it's fine` needs no quoting.
 */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] as string)) i++;
    if (i >= line.length) break;
    const start = i;
    let value = '';
    let quoted = false;
    while (i < line.length && !/\s/.test(line[i] as string)) {
      const ch = line[i] as string;
      if (ch === '"' || ch === "'") {
        const end = findClosingQuote(line, i);
        if (end >= 0) {
          value += unquote(line.slice(i + 1, end), ch);
          quoted = true;
          i = end + 1;
          continue;
        }
      }
      value += ch;
      i++;
    }
    tokens.push({ value, start, quoted });
  }
  return tokens;
}

function findClosingQuote(line: string, open: number): number {
  const q = line[open];
  for (let j = open + 1; j < line.length; j++) {
    if (q === '"' && line[j] === '\\') {
      j++;
      continue;
    }
    if (line[j] === q) return j;
  }
  return -1;
}

function unquote(body: string, quote: string): string {
  return quote === '"' ? body.replace(/\\(["\\])/g, '$1') : body;
}

/** What a typed line means. */
export type Parsed =
  | { kind: 'empty' }
  | { kind: 'command'; spec: CommandSpec; args: string[] }
  | { kind: 'raw'; action: string; inputs: string[] }
  | { kind: 'usage'; spec: CommandSpec; message: string };

/**
 * Parses a line typed at the prompt. A `rest` argument is the rest of the line exactly as typed
 * (spacing and quotes kept), unless the rest is one quoted word, whose quotes are removed. A
 * word that is not a built-in command is sent as a raw action, its inputs as strings.
 */
export function parseLine(line: string): Parsed {
  const tokens = tokenize(line);
  const first = tokens[0];
  if (!first) return { kind: 'empty' };
  const spec = findCommand(first.value);
  const rest = tokens.slice(1);
  if (!spec) return { kind: 'raw', action: first.value, inputs: rest.map((t) => t.value) };
  const args: string[] = [];
  for (const [i, a] of spec.args.entries()) {
    const tok = rest[i];
    if (!tok) break;
    if (a.rest) {
      const only = rest.length === i + 1 && tok.quoted;
      args.push(only ? tok.value : line.slice(tok.start).trimEnd());
      return checkArity(spec, args, rest.length);
    }
    args.push(tok.value);
  }
  return checkArity(spec, args, rest.length);
}

/**
 * Binds already-split words (from the shell's argv) to a command: a `rest` argument is the
 * remaining words joined by single spaces. Unknown names become raw actions.
 */
export function parseArgv(words: string[]): Parsed {
  const [name, ...rest] = words;
  if (name === undefined || name === '') return { kind: 'empty' };
  const spec = findCommand(name);
  if (!spec) return { kind: 'raw', action: name, inputs: rest };
  const args: string[] = [];
  for (const [i, a] of spec.args.entries()) {
    if (i >= rest.length) break;
    if (a.rest) {
      args.push(rest.slice(i).join(' '));
      return checkArity(spec, args, rest.length);
    }
    args.push(rest[i] as string);
  }
  return checkArity(spec, args, rest.length);
}

function checkArity(spec: CommandSpec, args: string[], given: number): Parsed {
  const required = spec.args.filter((a) => !a.optional).length;
  const hasRest = spec.args.some((a) => a.rest);
  if (args.length < required) {
    const missing = spec.args[args.length]?.name ?? 'an argument';
    return { kind: 'usage', spec, message: `missing ${missing}; usage: ${usage(spec)}` };
  }
  if (!hasRest && given > spec.args.length) {
    const extra =
      spec.name === 'login' || spec.name === 'register'
        ? `${spec.name} asks for the password itself (so it is never shown or kept in history); usage: ${usage(spec)}`
        : `too many arguments; usage: ${usage(spec)}`;
    return { kind: 'usage', spec, message: extra };
  }
  return { kind: 'command', spec, args };
}

/** `host[:port]` → host and port, falling back to the defaults; throws a readable Error. */
export function parseAddress(
  text: string | undefined,
  defaults: { host: string; port: number },
): { host: string; port: number } {
  if (text === undefined || text === '') return { ...defaults };
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] as string;
    portText = bracketed[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const idx = text.indexOf(':');
    host = text.slice(0, idx);
    portText = text.slice(idx + 1);
  } else if (/^\d+$/.test(text)) {
    return { host: defaults.host, port: parsePort(text) };
  }
  return { host: host || defaults.host, port: portText ? parsePort(portText) : defaults.port };
}

/** A TCP port 1–65535 from text; throws a readable Error otherwise. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`invalid port "${text}" (expected a number from 1 to 65535)`);
  }
  return port;
}

/** The wire inputs of `who [limit] [after]`: limit must be a whole number 1–1000. */
export function whoInputs(args: string[]): { limit?: number; after?: string } {
  const [limitText, after] = args;
  if (limitText === undefined) return {};
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 1_000) {
    throw new Error(`limit must be a whole number from 1 to 1000, not "${limitText}"`);
  }
  return after === undefined ? { limit } : { limit, after };
}

/** The inputs of `raw <action> [json-array]`: a JSON array, or nothing for []. */
export function rawInputs(json: string | undefined): unknown[] {
  if (json === undefined || json.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`inputs must be a JSON array, e.g. ["bob", 10]; could not parse: ${json}`);
  }
  if (!Array.isArray(value)) throw new Error('inputs must be a JSON array, e.g. ["bob", 10]');
  return value;
}
