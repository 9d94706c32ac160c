// Frame generators: requests for every action with plausible or mutated inputs and
// envelopes, byte-level mutations of such frames, and plain random bytes.
import type { Rng } from './rng.ts';
import {
  nested,
  objectWith,
  randomObject,
  randomString,
  randomValue,
  unicode,
  username,
} from './values.ts';

/** What the generator may draw on: action names, known users and tokens. */
export interface GenContext {
  r: Rng;
  /** Every action name and alias in the registry. */
  actions: string[];
  /** Usernames that exist (plus the fuzzer's own accounts), for message/kick/level targets. */
  names: string[];
  /** Accounts whose right password the fuzzer may send to veus. */
  victims: Array<{ name: string; password: string }>;
  /** Ids `#n` veus must never get (the harness's own accounts, so they are never throttled). */
  reservedIds: Set<number>;
  /** A token of some other live connection, if any. */
  foreignToken(): string | undefined;
}

/** The token a connection would use, and what else is around. */
export interface ConnTokens {
  hello: string;
  session: string | undefined;
}

/** Inputs that look right for each action (the fuzzer then mutates some). */
const PLAUSIBLE: Record<string, (g: GenContext, secrets: boolean) => unknown[]> = {
  ping: () => [],
  set_user: () => [],
  get_id: () => [],
  get_permission_level: () => [],
  logout: () => [],
  create_user: (g, s) => {
    const data: unknown[] = [username(g.r), password(g, s), email(g)];
    if (g.r.chance(0.3)) data.push(phone(g));
    return data;
  },
  veus: (g, s) => [login(g), password(g, s)],
  confirm_user: (g) => [name(g), g.r.chars(g.r.range(4, 8), '0123456789')],
  show_online_users: (g) =>
    g.r.chance(0.3)
      ? []
      : [g.r.pick([1, 2, 1_000, 0, -1, 1_001]), g.r.chance(0.5) ? name(g) : null],
  message_user: (g) => [name(g), text(g)],
  change_permission_level: (g) => [name(g), g.r.pick(['admin', 'basic', 'basic', 'owner', ''])],
  kick: (g) => [name(g)],
  kill_server: (g) => [randomString(g.r)],
  create_group: (g) => [group(g), g.r.pick(['public', 'private', 'secret'])],
  join_group: (g) => [group(g)],
  leave_group: (g) => [group(g)],
  invite: (g) => [group(g), name(g)],
  group_members: (g) => [group(g), g.r.range(0, 5)],
  list_groups: (g) => [g.r.range(0, 5)],
  group_role: (g) => [group(g), name(g), g.r.pick(['owner', 'moderator', 'member', 'boss'])],
  group_kick: (g) => [group(g), name(g)],
  group_ban: (g) => [group(g), name(g)],
  group_unban: (g) => [group(g), name(g)],
  delete_group: (g) => [group(g)],
  message_group: (g) => [group(g), text(g)],
};

/** A group name: a few shared ones (so groups get members, roles and bans), or anything. */
function group(g: GenContext): string {
  return g.r.weighted<() => string>([
    [4, () => g.r.pick(['#fz1', 'fz1', '#fz2', '#global', 'global'])],
    [1, () => `#${g.r.chars(g.r.range(1, 34), 'abz09_-A#')}`],
    [1, () => randomString(g.r)],
  ])();
}

function name(g: GenContext): string {
  return g.r.chance(0.7) ? g.r.pick(g.names) : username(g.r);
}

function login(g: GenContext): string {
  if (g.r.chance(0.15)) {
    let id = g.r.range(0, 40);
    while (g.reservedIds.has(id)) id++;
    return `#${String(id).padStart(g.r.range(1, 6), '0')}`;
  }
  return g.r.chance(0.5) ? g.r.pick(g.victims).name : username(g.r);
}

/** A password: a victim's real one or a marker (both only when secrets may be sent), or junk. */
function password(g: GenContext, secrets: boolean): unknown {
  const r = g.r;
  if (secrets && r.chance(0.15)) return r.pick(g.victims).password;
  if (secrets && r.chance(0.5)) {
    return `Mk!${r.chars(12, 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789')}`;
  }
  return r.chance(0.8) ? randomString(r) : randomValue(r);
}

function email(g: GenContext): string {
  return g.r.weighted<() => string>([
    [4, () => `${g.r.chars(g.r.range(1, 10), 'abcxyz019.')}@example.com`],
    [1, () => randomString(g.r)],
    [1, () => ` ${g.r.chars(5, 'ABCabc')}@Example.COM `],
  ])();
}

function phone(g: GenContext): string {
  return g.r.pick(['+4791234567', '+47 912 34 567', '12345', '+1', randomString(g.r)]);
}

function text(g: GenContext): string {
  return g.r.weighted<() => string>([
    [4, () => unicode(g.r, 30)],
    [1, () => ''],
    [1, () => '😀'.repeat(g.r.pick([1, 4_000, 4_001]))],
    [1, () => 'y'.repeat(g.r.pick([4_000, 4_001]))],
  ])();
}

/**
 * Mutates a data list: a value swapped, dropped, added, reordered, or the list replaced
 * (the last two only when `tame` is false, as they make the envelope a bad_request).
 */
function mutateData(g: GenContext, data: unknown[], tame: boolean): unknown {
  const r = g.r;
  const d = [...data];
  const at = r.int(d.length);
  const value = () => randomValue(r, 0, tame);
  return r.weighted<() => unknown>([
    [4, () => (d.length ? d.map((v, i) => (i === at ? value() : v)) : [value()])],
    [2, () => d.slice(0, r.int(d.length + 1))],
    [2, () => [...d, value()]],
    [1, () => d.reverse()],
    [1, () => undefined],
    [tame ? 0 : 1, () => randomValue(r)],
    [tame ? 0 : 1, () => nested(r, r.range(6, 10))],
  ])();
}

/** The token for a request: usually the right one, sometimes missing, foreign, junk or wrong type. */
function token(g: GenContext, t: ConnTokens, tame: boolean): unknown {
  const r = g.r;
  return r.weighted<() => unknown>([
    [12, () => t.session ?? t.hello],
    [2, () => t.hello],
    [2, () => undefined],
    [2, () => g.foreignToken()],
    [1, () => `${r.pick(['h', 's'])}_${r.chars(43, 'AZaz09-_')}`],
    [tame ? 0 : 1, () => randomValue(r)],
  ])();
}

/** How a request may be built. */
export interface RequestOptions {
  /** Real and marker passwords may go in password inputs. */
  secrets: boolean;
  /** The envelope stays valid: no bad_json, bad_request or unknown_action (data may be wrong). */
  tame: boolean;
}

/** Actions that end the caller's or another session; picked less often so sessions live. */
const ENDING = new Set(['logout', 'exit', 'kick']);

/** A request object for a random action with plausible or mutated inputs. */
export function request(
  g: GenContext,
  t: ConnTokens,
  opts: RequestOptions,
): Record<string, unknown> {
  const r = g.r;
  const { tame } = opts;
  let action: unknown = r.pick(g.actions);
  while (ENDING.has(String(action)) && !r.chance(0.02)) action = r.pick(g.actions);
  if (!tame && r.chance(0.03)) action = r.pick([String(action).toUpperCase(), `${action} `, '']);
  if (!tame && r.chance(0.02)) action = randomValue(r);
  const plausible = PLAUSIBLE[String(action)];
  let data: unknown = plausible ? plausible(g, opts.secrets) : [randomValue(r, 0, tame)];
  if (r.chance(0.35)) data = mutateData(g, data as unknown[], tame);
  const entries: Array<[string, unknown]> = [
    ['action', action],
    ['data', data],
    ['tag', String(r.int(1e6))],
    ['token', token(g, t, tame)],
  ];
  if (!tame && r.chance(0.12)) mutateEnvelope(g, entries);
  return objectWith(entries.filter(([, v]) => v !== undefined));
}

/** Breaks the envelope: tag or action of the wrong kind or missing, extra or forbidden fields. */
function mutateEnvelope(g: GenContext, entries: Array<[string, unknown]>): void {
  const r = g.r;
  const field = r.pick(['action', 'data', 'tag', 'token']);
  const i = entries.findIndex(([k]) => k === field);
  r.weighted<() => void>([
    [3, () => entries.splice(i, 1)],
    [3, () => entries.splice(i, 1, [field, randomValue(r)])],
    [
      1,
      () => entries.splice(i, 1, [field, r.pick(['', 'x'.repeat(65), 'x'.repeat(64), '\u0000'])]),
    ],
    [2, () => entries.push(...Object.entries(randomObject(r)))],
    [1, () => entries.push([r.pick(['__proto__', 'constructor', 'prototype']), randomValue(r)])],
  ])();
}

/** Serialises a request, sometimes with odd but valid JSON text (spaces, repeated keys). */
export function serialise(g: GenContext, obj: Record<string, unknown>, tame: boolean): string {
  const json = JSON.stringify(obj);
  return g.r.weighted<() => string>([
    [20, () => json],
    [1, () => JSON.stringify(obj, null, 1).replace(/\n/g, ' ')],
    [tame ? 0 : 1, () => `{"action":"${g.r.pick(g.actions)}",${json.slice(1)}`],
    [1, () => ` \t${json}\t `],
  ])();
}

const INVALID_UTF8 = [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];

/** Applies 1-4 byte-level mutations: flips, overwrites, cuts, copies, NUL, bad UTF-8, CR/LF. */
export function mutateBytes(g: GenContext, input: Buffer): Buffer {
  const r = g.r;
  let b = input;
  const n = r.range(1, 4);
  for (let k = 0; k < n; k++) {
    const at = r.int(b.length + 1);
    const insert = (bytes: number[] | Buffer) =>
      Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at)]);
    b = r.weighted<() => Buffer>([
      [3, () => flip(r, b)],
      [2, () => insert([r.int(256)])],
      [
        2,
        () =>
          Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + r.range(1, 8)))]),
      ],
      [2, () => b.subarray(0, at)],
      [1, () => insert(b.subarray(at, at + r.range(1, 40)))],
      [1, () => insert([0])],
      [2, () => insert(r.pick(INVALID_UTF8))],
      [2, () => insert(r.pick([[0x0a], [0x0d], [0x0d, 0x0a], [0x0a, 0x0d], [0x0d, 0x0d, 0x0a]]))],
    ])();
  }
  return b;
}

function flip(r: Rng, b: Buffer): Buffer {
  if (b.length === 0) return b;
  const c = Buffer.from(b);
  const i = r.int(c.length);
  c[i] = (c[i] as number) ^ (1 << r.int(8));
  return c;
}

/** Pure random bytes: short blobs with some newlines, empty lines, or a long run with none. */
export function randomBytes(g: GenContext): Buffer {
  const r = g.r;
  return r.weighted<() => Buffer>([
    [8, () => Buffer.concat([r.bytes(r.int(300)), Buffer.from('\n')])],
    [2, () => r.bytes(r.int(64))],
    [
      1,
      () => Buffer.from(r.pick(['\n', '\r\n', '\n\n\n', '\r', '{}\n', '[]\n', 'null\n', '"x"\n'])),
    ],
    [1, () => r.bytes(r.range(4_000, 70_000))],
  ])();
}

/** Splits bytes into 1-4 chunks (or, for short frames, sometimes one byte at a time). */
export function split(g: GenContext, b: Buffer): Buffer[] {
  const r = g.r;
  if (b.length <= 200 && r.chance(0.03)) return [...b].map((x) => Buffer.from([x]));
  const cuts = Array.from({ length: r.int(4) }, () => r.int(b.length + 1)).sort((x, y) => x - y);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of cuts) {
    parts.push(b.subarray(from, c));
    from = c;
  }
  parts.push(b.subarray(from));
  return parts.filter((p) => p.length > 0);
}
