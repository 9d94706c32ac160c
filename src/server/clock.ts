// Time and randomness are injected so expiry and ids can be tested deterministically.
import { randomBytes, randomFillSync } from 'node:crypto';

/** Wall-clock milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** Random bytes from a cryptographic source. */
export interface Random {
  bytes(n: number): Buffer;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * The real CSPRNG, drawn from a pool refilled 4 KiB at a time: one call into
 * the generator per 128 session tokens or 256 message ids, not one each.
 * Every caller gets its own copy of fresh bytes; no byte is handed out twice.
 */
export const systemRandom: Random = {
  bytes: (n) => {
    if (n > POOL_BYTES) return randomBytes(n);
    if (poolOffset + n > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
      poolOffset = 0;
    }
    const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
    poolOffset += n;
    return out;
  },
};

/** A clock a test moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms = 0) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
