// A small seeded PRNG (xorshift128, seeded by splitmix32) so every fuzz run is reproducible.

/** The seed from FUZZ_SEED, or the fixed default. */
export function fuzzSeed(fallback: number): number {
  const env = process.env.FUZZ_SEED;
  return env === undefined ? fallback : Number(env) >>> 0;
}

/** Deterministic random numbers and the picks the fuzzers need. */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    let x = seed >>> 0;
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0 || 1;
    }
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const s = this.s;
    let t = s[3] as number;
    const first = s[0] as number;
    s[3] = s[2] as number;
    s[2] = s[1] as number;
    s[1] = first;
    t ^= t << 11;
    t ^= t >>> 8;
    s[0] = (t ^ first ^ (first >>> 19)) >>> 0;
    return s[0] as number;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }

  /** Picks by weight from [weight, value] pairs. */
  weighted<T>(pairs: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (const [w] of pairs) total += w;
    let x = this.int(total);
    for (const [w, v] of pairs) {
      if (x < w) return v;
      x -= w;
    }
    return (pairs[pairs.length - 1] as readonly [number, T])[1];
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }

  /** A string of `n` characters drawn from `alphabet`. */
  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}
