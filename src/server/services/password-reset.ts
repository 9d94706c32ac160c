// Resetting a forgotten password with an emailed 6-digit code. No answer tells
// whether an account exists: a request is answered before it is looked up,
// and every wrong confirmation is the same invalid_credentials.
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { ActionError } from '../../protocol/errors.ts';
import type { Storage, UserRecord } from '../../storage/storage.ts';
import type { Config } from '../config.ts';
import type { Mailer } from '../mail/mailer.ts';
import { type AddressSet, plainAddress } from '../security/addresses.ts';
import { type MakeLimiter, memoryLimiters } from '../security/limiter-store.ts';
import type { Accounts } from './accounts.ts';
import type { AuditLog } from './audit.ts';
import type { EmailCodes } from './email-codes.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { takePoint } from './registration-limits.ts';

/** What PasswordReset is built from. */
export interface PasswordResetDeps {
  storage: Storage;
  accounts: Accounts;
  codes: EmailCodes;
  mailer: Mailer;
  throttle: LoginThrottle;
  audit: AuditLog;
  limits: Config['accounts'];
  exempt: AddressSet;
  serverName: string;
  log: Logger;
  /** Where the reset limits count; this process by default. */
  limiters?: MakeLimiter;
}

/** Mails reset codes and sets a new password for a right one. */
export class PasswordReset {
  private readonly perIp: RateLimiterAbstract;
  private readonly perAccount: RateLimiterAbstract;

  constructor(private readonly deps: PasswordResetDeps) {
    const { limits } = deps;
    const limiters = deps.limiters ?? memoryLimiters;
    this.perIp = limiters({
      keyPrefix: 'resets_ip',
      points: limits.resets_per_ip,
      duration: limits.resets_per_ip_window_s,
    });
    this.perAccount = limiters({
      keyPrefix: 'resets_account',
      points: limits.resets_per_account,
      duration: limits.resets_per_account_window_s,
    });
  }

  /**
   * Accepts a reset request for a username or email. Only the address limit can
   * refuse it (that says nothing about the account); finding the account and
   * mailing the code happen after the caller has answered "sent".
   */
  async request(usernameOrEmail: string, ip: string): Promise<() => void> {
    if (!this.deps.exempt.has(ip)) {
      await takePoint(this.perIp, plainAddress(ip), 'too many reset requests from your address');
    }
    return () => {
      this.mailCode(usernameOrEmail, ip).catch((err) =>
        this.deps.log.error({ err }, 'password reset mail failed'),
      );
    };
  }

  private async mailCode(usernameOrEmail: string, ip: string): Promise<void> {
    const { storage, codes, mailer, serverName, log } = this.deps;
    const user = usernameOrEmail.includes('@')
      ? await storage.findUserByEmail(usernameOrEmail.trim().toLowerCase())
      : await storage.findUserByName(usernameOrEmail);
    // A pending account confirms its address instead; a banned one cannot log in anyway.
    if (!user || user.pendingUntil !== null || user.bannedAt !== null) return;
    const res = await this.perAccount.penalty(String(user.id), 1);
    if (res.consumedPoints > this.deps.limits.resets_per_account) {
      log.warn({ user: user.username, ip }, 'password reset request over the per-account limit');
      return;
    }
    const code = await codes.issue('reset', user.id);
    await mailer.send({
      to: user.email,
      subject: `${serverName}: your password reset code ${code}`,
      text:
        `Hello ${user.username},\n\nyour password reset code is ${code}. It is valid for ` +
        `${codes.validMinutes} minutes.\n\nIf you did not ask for it, ignore this email: ` +
        `your password stays as it is.\n`,
    });
  }

  /**
   * Sets a new password when `code` is the user's live reset code, and clears a
   * login lock. Wrong codes count as failed logins of the address.
   */
  async confirm(
    username: string,
    code: string,
    newPassword: string,
    ip: string,
  ): Promise<UserRecord> {
    const { storage, codes, accounts, throttle, audit } = this.deps;
    await throttle.checkAddress(ip);
    const user = await storage.findUserByName(username);
    const right = user ? await codes.check('reset', user.id, code) : false;
    if (!user || !right) {
      await throttle.addressFailed(ip);
      throw new ActionError('invalid_credentials', 'wrong or expired code');
    }
    // Only the holder of the code learns why a password is refused; the code stays valid.
    await accounts.resetPassword(user, newPassword);
    await storage.dropCode('reset', user.id);
    audit.record({
      actor: user.username,
      action: 'password_reset',
      target: user.username,
      outcome: 'ok',
      detail: null,
      address: ip,
    });
    return user;
  }
}
