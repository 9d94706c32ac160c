// Login throttling: per account, a doubling backoff after repeated failures
// and a lock after many; per address, a block after many failures in a window.
// Names with no account get the same backoff and lock (counted in the store the
// server chose: security/failure-counts.ts), so the throttle's answers do not
// tell which usernames exist.
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { ActionError } from '../../protocol/errors.ts';
import type { UserRecord } from '../../storage/storage.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { type AddressSet, plainAddress } from '../security/addresses.ts';
import { type FailureCounts, MemoryFailureCounts } from '../security/failure-counts.ts';
import { type MakeLimiter, memoryLimiters } from '../security/limiter-store.ts';

/** Decides whether a login may be tried now; records failures per address and unknown name. */
export class LoginThrottle {
  private readonly failuresByIp: RateLimiterAbstract;

  constructor(
    private readonly config: Config['login'],
    private readonly exempt: AddressSet,
    private readonly clock: Clock,
    limiters: MakeLimiter = memoryLimiters,
    /** by login key (see Accounts) */
    private readonly unknownNames: FailureCounts = new MemoryFailureCounts(),
  ) {
    this.failuresByIp = limiters({
      keyPrefix: 'login_failures_ip',
      points: config.ip_failures,
      duration: config.ip_window_s,
    });
  }

  /** How long an account with `failures` consecutive failures must wait after the last one. */
  backoffMs(failures: number): number {
    const { backoff_after: after, backoff_initial_s: initial, backoff_max_s: max } = this.config;
    if (failures < after) return 0;
    return Math.min(initial * 2 ** (failures - after), max) * 1000;
  }

  /** Refuses (before any hashing) a login from a blocked address. */
  async checkAddress(ip: string): Promise<void> {
    if (this.exempt.has(ip)) return;
    const res = await this.failuresByIp.get(plainAddress(ip));
    if (res && res.consumedPoints > this.config.ip_failures) {
      throw new ActionError(
        'rate_limited',
        'too many failed logins from your address',
        res.msBeforeNext,
      );
    }
  }

  /** True when this many consecutive failures is the one that locks the account. */
  locksAt(failures: number): boolean {
    return failures === this.config.lock_after;
  }

  /** Refuses (before any hashing) a login to a locked account or one in its backoff. */
  checkAccount(user: UserRecord): void {
    this.check(user.failedLogins, user.lastFailedAt);
  }

  /** The same refusals for a login name that has no account, from its remembered failures. */
  async checkUnknown(key: string): Promise<void> {
    const count = await this.unknownNames.get(key, this.clock.now());
    if (count) this.check(count.failures, count.lastFailedAt);
  }

  /** Counts a failed login for a name that has no account. */
  async unknownFailed(key: string): Promise<void> {
    await this.unknownNames.add(key, this.clock.now());
  }

  private check(failedLogins: number, lastFailedAt: number | null): void {
    if (failedLogins >= this.config.lock_after) {
      throw new ActionError(
        'forbidden',
        'this account is locked after too many failed logins; an admin can unlock it',
      );
    }
    const waitUntil = (lastFailedAt ?? 0) + this.backoffMs(failedLogins);
    const now = this.clock.now();
    if (now < waitUntil) {
      throw new ActionError(
        'rate_limited',
        'too many failed logins; wait before trying again',
        waitUntil - now,
      );
    }
  }

  /** Counts a failure for the address; blocks it for ip_block_s once it reaches ip_failures. */
  async addressFailed(ip: string): Promise<void> {
    if (this.exempt.has(ip)) return;
    const key = plainAddress(ip);
    try {
      const res = await this.failuresByIp.consume(key, 1);
      if (res.consumedPoints >= this.config.ip_failures) {
        await this.failuresByIp.block(key, this.config.ip_block_s);
      }
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
    }
  }
}
