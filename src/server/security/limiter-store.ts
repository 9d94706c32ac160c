// Where the counting limits keep their counts (login failures per address,
// registrations, password resets): in this process, or in Redis when the nodes
// share a Redis broker, so an abuser cannot multiply an allowance by the number
// of nodes. The server picks one maker (main.ts) and hands it to every limit.
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';

/** A limit's name and window: `points` per `duration` seconds. */
export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
}

/** Makes the limiters of one store. */
export type MakeLimiter = (options: LimiterOptions) => RateLimiterAbstract;

/** Counts in this process: one node, or limits nobody shares. */
export const memoryLimiters: MakeLimiter = (options) => new RateLimiterMemory(options);

/**
 * Counts in Redis under `prefix`. While Redis is down each node counts alone
 * (an insurance limiter in memory) rather than refusing everyone or no one.
 */
export function redisLimiters(client: Redis, prefix: string): MakeLimiter {
  return (options) =>
    new RateLimiterRedis({
      ...options,
      keyPrefix: `${prefix}limit:${options.keyPrefix}`,
      storeClient: client,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
}
