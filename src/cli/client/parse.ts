// Turns a typed line (or argv words) into a command of the table or a raw action.
import { type CommandSpec, findCommand, usage } from './commands.ts';

/** One word of a typed line: its value (quotes removed) and where it started in the line. */
export interface Token {
  value: string;
  start: number;
  /** the whole word is one quoted string (`"hi there"`), not a word with quotes inside it */
  wholeQuoted: boolean;
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
    let quotedParts = 0;
    let plainChars = 0;
    while (i < line.length && !/\s/.test(line[i] as string)) {
      const ch = line[i] as string;
      if (ch === '"' || ch === "'") {
        const end = findClosingQuote(line, i);
        if (end >= 0) {
          value += unquote(line.slice(i + 1, end), ch);
          quotedParts++;
          i = end + 1;
          continue;
        }
      }
      value += ch;
      plainChars++;
      i++;
    }
    tokens.push({ value, start, wholeQuoted: quotedParts === 1 && plainChars === 0 });
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
  | { kind: 'unknown'; word: string; message: string }
  | { kind: 'usage'; spec: CommandSpec; message: string };

/**
 * The command a typed word names. A leading `/` is ignored (`/msg`, `/quit`, as in IRC).
 * Unknown words are never sent to the server: only built-in commands and `raw` go out.
 */
function lookup(word: string): CommandSpec | { kind: 'unknown'; word: string; message: string } {
  const name = word.startsWith('/') && word.length > 1 ? word.slice(1) : word;
  const spec = findCommand(name);
  if (spec) return spec;
  return { kind: 'unknown', word, message: `unknown command: ${word} (try help)` };
}

/**
 * Parses a line typed at the prompt. A `rest` argument is the rest of the line exactly as typed
 * (spacing and quotes kept, so `raw who [10,"a"]` reaches the server as typed), unless the rest
 * is one quoted word, whose quotes are removed. A word that is no command is `unknown`.
 */
export function parseLine(line: string): Parsed {
  const tokens = tokenize(line);
  const first = tokens[0];
  if (!first) return { kind: 'empty' };
  const spec = lookup(first.value);
  if ('kind' in spec) return spec;
  const rest = tokens.slice(1);
  const args: string[] = [];
  for (const [i, a] of spec.args.entries()) {
    const tok = rest[i];
    if (!tok) break;
    if (a.rest) {
      const only = rest.length === i + 1 && tok.wholeQuoted;
      args.push(only ? tok.value : line.slice(tok.start).trimEnd());
      return checkArity(spec, args, rest.length);
    }
    args.push(tok.value);
  }
  return checkArity(spec, args, rest.length);
}

/**
 * Binds already-split words (from the shell's argv) to a command: a `rest` argument is the
 * remaining words joined by single spaces. Unknown names are `unknown` (never sent).
 */
export function parseArgv(words: string[]): Parsed {
  const [name, ...rest] = words;
  if (name === undefined || name === '') return { kind: 'empty' };
  const spec = lookup(name);
  if ('kind' in spec) return spec;
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
  // login takes a username, or --id and a provider: never a username and one more word.
  const idForm = spec.name === 'login' && args[0] === '--id';
  if (idForm && args.length === 1) {
    return { kind: 'usage', spec, message: `--id needs a provider; usage: ${usage(spec)}` };
  }
  const tooMany = given > spec.args.length || (spec.name === 'login' && given > 1 && !idForm);
  if (!hasRest && tooMany) {
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

/**
 * A conversation as typed: `@bob` or `bob` (the direct one with bob), `#lab` (a group), or a
 * canonical `dm:00001:00002`. Returns what the server accepts as `conv`.
 */
export function convArg(word: string): string {
  const w = word.trim();
  if (w === '' || w === '@' || w === '#') {
    throw new Error('name a conversation: @user or #group');
  }
  if (w.startsWith('@') || w.startsWith('#') || w.startsWith('dm:')) return w;
  return `@${w}`;
}

/** The `n` of `history <conv> [n]`: a whole number 1-1,000, default 20. */
export function historyCount(text: string | undefined): number {
  if (text === undefined) return 20;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000) {
    throw new Error(`n must be a whole number from 1 to 1,000, not ${text}`);
  }
  return n;
}

/** The `n` of `audit [n]`: a whole number 1-200 (one audit_log page), default 20. */
export function auditCount(text: string | undefined): number {
  if (text === undefined) return 20;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 200) {
    throw new Error(`n must be a whole number from 1 to 200, not ${text}`);
  }
  return n;
}
