// Email confirmation of new accounts: a 6-digit code, stored hashed, valid for
// a while and a few tries; a right code makes the pending account active.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ActionError } from '../../protocol/errors.ts';
import type { Storage, UserRecord } from '../../storage/storage.ts';
import type { Clock, Random } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Mailer } from '../mail/mailer.ts';

/** What EmailConfirmation is built from. */
export interface EmailConfirmationDeps {
  storage: Storage;
  mailer: Mailer;
  clock: Clock;
  random: Random;
  accounts: Config['accounts'];
  serverName: string;
}

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

/** Sends confirmation codes and checks them. */
export class EmailConfirmation {
  constructor(private readonly deps: EmailConfirmationDeps) {}

  /** When a pending account registered now expires (ms). */
  pendingUntil(): number {
    return this.deps.clock.now() + this.deps.accounts.pending_ttl_s * 1000;
  }

  /** Issues a fresh code for a pending account (older ones stop working) and emails it. */
  async sendCode(user: UserRecord): Promise<void> {
    const { storage, mailer, clock, random, accounts, serverName } = this.deps;
    const code = sixDigitCode(random);
    await storage.saveEmailCode(user.id, {
      codeHash: hashCode(code).toString('hex'),
      expiresAt: clock.now() + accounts.code_ttl_s * 1000,
      attemptsLeft: accounts.code_attempts,
    });
    const minutes = Math.round(accounts.code_ttl_s / 60);
    try {
      await mailer.send({
        to: user.email,
        subject: `${serverName}: your confirmation code ${code}`,
        text:
          `Hello ${user.username},\n\nyour confirmation code is ${code}. It is valid for ` +
          `${minutes} minutes.\n\nIf you did not register, ignore this email: the account ` +
          `is deleted unless it is confirmed.\n`,
      });
    } catch {
      throw new ActionError('internal', 'could not send the confirmation email; try again later');
    }
  }

  /** Checks a code; a right one activates the account. Any failure is invalid_credentials. */
  async confirm(username: string, code: string): Promise<UserRecord> {
    const { storage, clock } = this.deps;
    const refused = new ActionError('invalid_credentials', 'wrong or expired code');
    const user = await storage.findUserByName(username);
    if (!user || user.pendingUntil === null || user.pendingUntil < clock.now()) throw refused;
    const stored = await storage.findEmailCode(user.id);
    if (!stored || stored.expiresAt <= clock.now() || stored.attemptsLeft <= 0) throw refused;
    if (!timingSafeEqual(hashCode(code), Buffer.from(stored.codeHash, 'hex'))) {
      await storage.spendEmailCodeAttempt(user.id);
      throw refused;
    }
    await storage.activateUser(user.id);
    return { ...user, pendingUntil: null };
  }
}
