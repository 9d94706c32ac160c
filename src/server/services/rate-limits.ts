// Request rate limits per connection and action class, on rate-limiter-flexible
// (a steady limiter plus a burst allowance), so a Redis store can take over later.
import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { ActionError } from '../../protocol/errors.ts';
import type { Config } from '../config.ts';

/** The action classes config gives limits to. */
export type LimitClass = keyof Omit<Config['rate_limits'], 'excess_disconnect_s'>;

type Limiter = RateLimiterAbstract | BurstyRateLimiter;

/** Charges requests against their class's limiter; over it, `rate_limited` with `retry_after_ms`. */
export class RateLimits {
  private readonly limiters: Record<LimitClass, Limiter>;

  constructor(config: Config['rate_limits']) {
    const build = (name: LimitClass): Limiter => {
      const c = config[name];
      const steady = new RateLimiterMemory({
        keyPrefix: name,
        points: c.points,
        duration: c.duration_s,
      });
      if (c.burst_points === 0) return steady;
      const burst = new RateLimiterMemory({
        keyPrefix: `${name}_burst`,
        points: c.burst_points,
        duration: c.burst_duration_s,
      });
      return new BurstyRateLimiter(steady, burst);
    };
    this.limiters = { chat: build('chat'), default: build('default'), auth: build('auth') };
  }

  /** Takes one request of `cls` for `key` (a connection); throws rate_limited when over. */
  async take(cls: LimitClass, key: string): Promise<void> {
    try {
      await this.limiters[cls].consume(key, 1);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      throw new ActionError(
        'rate_limited',
        `too many ${cls} requests; slow down`,
        res.msBeforeNext,
      );
    }
  }
}
