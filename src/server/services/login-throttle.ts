// Login throttling: per account, a doubling backoff after repeated failures
// and a lock after many; per address, a block after many failures in a window.
// Names with no account get the same backoff and lock (kept in memory), so the
// throttle's answers do not tell which usernames exist.
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { ActionError } from '../../protocol/errors.ts';
import type { UserRecord } from '../../storage/storage.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { type AddressSet, plainAddress } from '../security/addresses.ts';
import { type MakeLimiter, memoryLimiters } from '../security/limiter-store.ts';

/** Consecutive failures and when the last one happened (ms). */
interface FailureCount {
  failures: number;
  lastFailedAt: number;
}

// Names without an account whose failures are remembered; beyond it the oldest is forgotten.
const MAX_UNKNOWN_NAMES = 100_000;
// How long a name without an account remembers its failures after the last one.
const UNKNOWN_NAME_TTL_MS = 24 * 3_600_000;

/** Decides whether a login may be tried now; records failures per address and unknown name. */
export class LoginThrottle {
  private readonly failuresByIp: RateLimiterAbstract;
  /** by login key (see Accounts), in order of last failure: oldest first */
  private readonly unknownNames = new Map<string, FailureCount>();

  constructor(
    private readonly config: Config['login'],
    private readonly exempt: AddressSet,
    private readonly clock: Clock,
    limiters: MakeLimiter = memoryLimiters,
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
  checkUnknown(key: string): void {
    const count = this.unknownCount(key);
    if (count) this.check(count.failures, count.lastFailedAt);
  }

  /** Counts a failed login for a name that has no account. */
  unknownFailed(key: string): void {
    const failures = (this.unknownCount(key)?.failures ?? 0) + 1;
    this.unknownNames.delete(key);
    this.unknownNames.set(key, { failures, lastFailedAt: this.clock.now() });
    if (this.unknownNames.size > MAX_UNKNOWN_NAMES) {
      const oldest = this.unknownNames.keys().next().value;
      if (oldest !== undefined) this.unknownNames.delete(oldest);
    }
  }

  private unknownCount(key: string): FailureCount | undefined {
    const count = this.unknownNames.get(key);
    if (count && this.clock.now() - count.lastFailedAt > UNKNOWN_NAME_TTL_MS) {
      this.unknownNames.delete(key);
      return undefined;
    }
    return count;
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
