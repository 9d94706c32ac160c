// Random JSON values for fuzzed inputs: wrong types, huge and odd strings, unicode,
// extreme numbers, nulls, deep nesting and the forbidden keys __proto__/constructor/prototype.
import type { Rng } from './rng.ts';

const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-';
const ODD_CHARS = [
  '\u0000',
  '\n',
  '\r',
  '\t',
  '"',
  '\\',
  '\u2028',
  '\u202e',
  '\u0301',
  '\ufeff',
  '\uffff',
  '\ud800',
  '\udfff',
  '😀',
  '𝕏',
  'é',
  'ß',
  'İ',
  'ﬀ',
  '%s',
  `$${'{x}'}`, // a literal ${x}
  '<script>',
  "'; DROP TABLE users; --",
];
const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];
const NUMBERS = [0, -0, 1, -1, 42, 1.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 1_000, 1_001];

/** A username-shaped string (sometimes just outside the 3-32 rule). */
export function username(r: Rng): string {
  return r.chars(r.chance(0.9) ? r.range(3, 32) : r.pick([0, 1, 2, 33, 40]), NAME_CHARS);
}

/** A string of random code points, including lone surrogates, controls and astral characters. */
export function unicode(r: Rng, max: number): string {
  let s = '';
  const n = r.int(max + 1);
  for (let i = 0; i < n; i++) {
    const k = r.int(5);
    if (k === 0) s += r.pick(ODD_CHARS);
    else if (k === 1) s += String.fromCodePoint(r.int(0x80));
    else if (k === 2) s += String.fromCodePoint(r.int(0xd800));
    else if (k === 3) s += String.fromCharCode(0xd800 + r.int(0x800));
    else s += String.fromCodePoint(0x10000 + r.int(0x100000));
  }
  return s;
}

/** A string: empty, short, odd, or (rarely) huge; `tame` ones fit in a session frame. */
export function randomString(r: Rng, tame = false): string {
  return r.weighted<() => string>([
    [3, () => r.chars(r.int(12), NAME_CHARS)],
    [3, () => unicode(r, 16)],
    [1, () => ''],
    [1, () => username(r)],
    [1, () => String(r.pick(NUMBERS))],
    [1, () => 'x'.repeat(r.pick([255, 4_001, 5_000, 16_385, tame ? 20_000 : 70_000]))],
  ])();
}

/** An object that really owns the key (a plain `o['__proto__'] = v` would set the prototype). */
export function objectWith(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return o;
}

/**
 * Any JSON value; `depth` bounds the nesting (deep values go past the server's limit of 8).
 * `tame` values are never bad_request: no forbidden keys and no deep nesting.
 */
export function randomValue(r: Rng, depth = 0, tame = false): unknown {
  const leaf = depth >= 3 || r.chance(0.6);
  if (leaf) {
    return r.weighted<() => unknown>([
      [2, () => null],
      [1, () => r.chance(0.5)],
      [2, () => r.pick(NUMBERS)],
      [1, () => r.int(2 ** 31) * (r.chance(0.5) ? -1 : 1)],
      [5, () => randomString(r, tame)],
    ])();
  }
  return r.weighted<() => unknown>([
    [3, () => Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1, tame))],
    [3, () => randomObject(r, depth + 1, tame)],
    [1, () => nested(r, tame ? r.range(1, 2) : r.range(5, 12))],
  ])();
}

/** An object with random keys, sometimes a forbidden one. */
export function randomObject(r: Rng, depth = 0, tame = false): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    const forbidden = !tame && r.chance(0.15);
    const key = forbidden ? r.pick(FORBIDDEN) : r.chars(r.range(1, 8), NAME_CHARS);
    entries.push([key, randomValue(r, depth + 1, tame)]);
  }
  return objectWith(entries);
}

/** Arrays or objects nested `levels` deep. */
export function nested(r: Rng, levels: number): unknown {
  let v: unknown = r.chance(0.5) ? 1 : 'deep';
  for (let i = 0; i < levels; i++) v = r.chance(0.5) ? [v] : { k: v };
  return v;
}
