// Email confirmation of new accounts: a 6-digit code (see email-codes.ts); a
// right code makes the pending account active.
import { ActionError } from '../../protocol/errors.ts';
import type { Storage, UserRecord } from '../../storage/storage.ts';
import type { Clock, Random } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Mailer } from '../mail/mailer.ts';
import { EmailCodes } from './email-codes.ts';

export { sixDigitCode } from './email-codes.ts';

/** What EmailConfirmation is built from. */
export interface EmailConfirmationDeps {
  storage: Storage;
  mailer: Mailer;
  clock: Clock;
  random: Random;
  accounts: Config['accounts'];
  serverName: string;
}

/** Sends confirmation codes and checks them. */
export class EmailConfirmation {
  private readonly codes: EmailCodes;

  constructor(private readonly deps: EmailConfirmationDeps) {
    this.codes = new EmailCodes(deps);
  }

  /** When a pending account registered now expires (ms). */
  pendingUntil(): number {
    return this.deps.clock.now() + this.deps.accounts.pending_ttl_s * 1000;
  }

  /** Issues a fresh code for a pending account (older ones stop working) and emails it. */
  async sendCode(user: UserRecord): Promise<void> {
    const { mailer, serverName } = this.deps;
    const code = await this.codes.issue('confirm', user.id);
    try {
      await mailer.send({
        to: user.email,
        subject: `${serverName}: your confirmation code ${code}`,
        text:
          `Hello ${user.username},\n\nyour confirmation code is ${code}. It is valid for ` +
          `${this.codes.validMinutes} minutes.\n\nIf you did not register, ignore this email: ` +
          `the account is deleted unless it is confirmed.\n`,
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
    if (!(await this.codes.check('confirm', user.id, code))) throw refused;
    await storage.activateUser(user.id);
    return { ...user, pendingUntil: null };
  }
}
