// Registration limits (the seed's "unlimited users"): per address and in
// total, with trusted networks exempt. Built on rate-limiter-flexible, counted
// in the store the server chose (security/limiter-store.ts).
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { ActionError } from '../../protocol/errors.ts';
import type { Config } from '../config.ts';
import { type AddressSet, plainAddress } from '../security/addresses.ts';
import { type MakeLimiter, memoryLimiters } from '../security/limiter-store.ts';

/** Gives back a reservation when the registration it was for failed. */
export type Release = () => Promise<void>;

const GLOBAL_KEY = 'all';

/** Counts registrations per address and in total; refuses with `rate_limited`. */
export class RegistrationLimits {
  private readonly perIp: RateLimiterAbstract;
  private readonly global: RateLimiterAbstract;
  constructor(
    limits: Config['limits'],
    private readonly exempt: AddressSet,
    limiters: MakeLimiter = memoryLimiters,
  ) {
    this.perIp = limiters({
      keyPrefix: 'registrations_ip',
      points: limits.registrations_per_ip,
      duration: limits.registrations_per_ip_window_s,
    });
    this.global = limiters({
      keyPrefix: 'registrations_all',
      points: limits.registrations_global,
      duration: limits.registrations_global_window_s,
    });
  }

  /** Reserves one registration for this address; the caller releases it if registering fails. */
  async reserve(ip: string): Promise<Release> {
    if (this.exempt.has(ip)) return async () => {};
    const key = plainAddress(ip);
    await takePoint(this.perIp, key, 'too many registrations from your address');
    try {
      await takePoint(this.global, GLOBAL_KEY, 'too many registrations right now');
    } catch (err) {
      await this.perIp.reward(key, 1);
      throw err;
    }
    return async () => {
      await this.perIp.reward(key, 1);
      await this.global.reward(GLOBAL_KEY, 1);
    };
  }
}

/** Consumes one point; a refusal is undone (rate-limiter-flexible counts it) and becomes rate_limited. */
export async function takePoint(
  limiter: RateLimiterAbstract,
  key: string,
  message: string,
): Promise<void> {
  try {
    await limiter.consume(key, 1);
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    await limiter.reward(key, 1);
    throw new ActionError('rate_limited', message, res.msBeforeNext);
  }
}
