// Framer-only fuzz: random byte streams, cut at random points, through LineFramer must give
// the same lines and overflow as a whole-stream reference, and never buffer past the limit.
// Reproduce with FUZZ_SEED=<seed>.
import { describe, expect, it } from 'vitest';
import { LineFramer } from '../../src/protocol/ndjson.ts';
import { fuzzSeed, Rng } from './rng.ts';

const SEED = fuzzSeed(0xf4a3_e001);
const STREAMS = Number(process.env.FUZZ_STREAMS ?? 40_000);
const LIMITS = [1, 2, 3, 8, 16, 16, 100, 100, 256, 4_096];

/** What the framer must produce for the whole stream, however it is cut. */
function reference(stream: Buffer, limit: number): { lines: Buffer[]; tooLarge: boolean } {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = stream.indexOf(0x0a, start);
    if (nl === -1) {
      // An unfinished line over the limit is refused early; one CR more is allowed,
      // since the LF that may follow strips it.
      const tail = stream.subarray(start);
      const over =
        tail.length > limit + 1 || (tail.length === limit + 1 && tail[tail.length - 1] !== 0x0d);
      return { lines, tooLarge: over };
    }
    let line = stream.subarray(start, nl);
    if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    if (line.length > limit) return { lines, tooLarge: true };
    lines.push(line);
    start = nl + 1;
  }
}

/** A stream of lines whose lengths cluster around the limit, with CR, LF and NUL mixed in. */
function stream(r: Rng, limit: number): Buffer {
  const parts: Buffer[] = [];
  const n = r.range(0, 16);
  for (let i = 0; i < n; i++) {
    const len = r.weighted<() => number>([
      [14, () => r.int(limit + 1)],
      [5, () => Math.max(0, limit + r.range(-2, 0))],
      [1, () => limit + r.range(1, 3)],
    ])();
    const body = r.bytes(len);
    // Mostly printable, so newlines inside a line stay occasional.
    for (let j = 0; j < body.length; j++) {
      if (!r.chance(0.05)) body[j] = 0x20 + ((body[j] as number) % 95);
    }
    const end = r.weighted([
      [12, '\n'],
      [4, '\r\n'],
      [1, '\r\r\n'],
      [1, ''],
      [1, '\r'],
    ] as const);
    parts.push(body, Buffer.from(end));
  }
  return Buffer.concat(parts);
}

/** Cuts a stream at random points (sometimes every byte). */
function cuts(r: Rng, b: Buffer): Buffer[] {
  if (b.length < 64 && r.chance(0.1)) return [...b].map((x) => Buffer.from([x]));
  const at = Array.from({ length: r.int(6) }, () => r.int(b.length + 1)).sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, b.length]) {
    out.push(b.subarray(from, c));
    from = c;
  }
  return out;
}

describe('fuzz: LineFramer', () => {
  it(`matches the whole-stream reference for ${STREAMS} cut streams (seed ${SEED})`, () => {
    const r = new Rng(SEED);
    const started = Date.now();
    let lines = 0;
    for (let i = 0; i < STREAMS; i++) {
      const limit = r.pick(LIMITS);
      const s = stream(r, limit);
      const want = reference(s, limit);
      const framer = new LineFramer(limit);
      const got: Buffer[] = [];
      let tooLarge = false;
      for (const chunk of cuts(r, s)) {
        const out = framer.push(chunk);
        if (tooLarge && (out.lines.length > 0 || !out.tooLarge)) {
          throw new Error(`seed ${SEED} stream ${i}: framer went on after an overflow`);
        }
        got.push(...out.lines);
        tooLarge ||= out.tooLarge;
        // The contract: never more than the limit (plus a CR) held while waiting for LF.
        const held = (framer as unknown as { pendingBytes: number }).pendingBytes;
        if (held > limit + 1) throw new Error(`seed ${SEED} stream ${i}: holds ${held} bytes`);
      }
      lines += got.length;
      const same =
        tooLarge === want.tooLarge &&
        got.length === want.lines.length &&
        got.every((l, k) => l.equals(want.lines[k] as Buffer));
      if (!same) {
        expect(
          { lines: got.map(String), tooLarge },
          `seed ${SEED} stream ${i} limit ${limit}: ${JSON.stringify(s.toString('latin1'))}`,
        ).toEqual({ lines: want.lines.map(String), tooLarge: want.tooLarge });
      }
    }
    console.info(
      `framer fuzz seed ${SEED}: ${STREAMS} streams, ${lines} lines in ${Date.now() - started} ms`,
    );
  }, 60_000);
});
