// Emailed one-time codes (account confirmation, password reset): six digits,
// stored only as a SHA-256 hash, valid for accounts.code_ttl_s and
// accounts.code_attempts tries.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CodePurpose, Storage } from '../../storage/storage.ts';
import type { Clock, Random } from '../clock.ts';
import type { Config } from '../config.ts';

const CODE_SPACE = 1_000_000;
// The largest multiple of CODE_SPACE below 2^32: draws above it are redrawn, so codes are uniform.
const UNBIASED_LIMIT = Math.floor(2 ** 32 / CODE_SPACE) * CODE_SPACE;

/** A uniformly random 6-digit code. */
export function sixDigitCode(random: Random): string {
  for (;;) {
    const n = random.bytes(4).readUInt32BE(0);
    if (n < UNBIASED_LIMIT) return String(n % CODE_SPACE).padStart(6, '0');
  }
}

function hashCode(code: string): Buffer {
  return createHash('sha256').update(code, 'utf8').digest();
}

/** What EmailCodes is built from. */
export interface EmailCodesDeps {
  storage: Storage;
  clock: Clock;
  random: Random;
  accounts: Config['accounts'];
}

/** Issues and checks a user's code for one purpose at a time. */
export class EmailCodes {
  constructor(private readonly deps: EmailCodesDeps) {}

  /** How long a code is valid, in whole minutes (for the email's text). */
  get validMinutes(): number {
    return Math.round(this.deps.accounts.code_ttl_s / 60);
  }

  /** Stores a fresh code for the purpose (older ones stop working) and returns it for mailing. */
  async issue(purpose: CodePurpose, userId: number): Promise<string> {
    const { storage, clock, random, accounts } = this.deps;
    const code = sixDigitCode(random);
    await storage.saveCode(purpose, userId, {
      codeHash: hashCode(code).toString('hex'),
      expiresAt: clock.now() + accounts.code_ttl_s * 1000,
      attemptsLeft: accounts.code_attempts,
    });
    return code;
  }

  /**
   * True when `code` is the user's live code for the purpose. A wrong code
   * uses up one try; an expired or used-up code is never right.
   */
  async check(purpose: CodePurpose, userId: number, code: string): Promise<boolean> {
    const { storage, clock } = this.deps;
    const stored = await storage.findCode(purpose, userId);
    if (!stored || stored.expiresAt <= clock.now() || stored.attemptsLeft <= 0) return false;
    if (timingSafeEqual(hashCode(code), Buffer.from(stored.codeHash, 'hex'))) return true;
    await storage.spendCodeAttempt(purpose, userId);
    return false;
  }
}
