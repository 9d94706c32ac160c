// Time and randomness are injected so expiry and ids can be tested deterministically.
import { randomBytes } from 'node:crypto';

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

/** The real CSPRNG. */
export const systemRandom: Random = { bytes: (n) => randomBytes(n) };

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
