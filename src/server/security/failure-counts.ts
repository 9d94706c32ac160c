// Where the failed logins of names that have no account are remembered (the login
// throttle treats them like accounts, so its answers do not tell which names exist): in
// this process, or in Redis when the nodes share a Redis broker, so an abuser cannot
// multiply the backoff's allowance by the number of nodes. Kept for a day after the last
// failure; in Redis under a hash of the name (what was typed may be a mistyped password).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Consecutive failures of one name and when the last happened (ms, the node's clock). */
export interface FailureCount {
  failures: number;
  lastFailedAt: number;
}

/** Counts failures per name; a name is forgotten `UNKNOWN_NAME_TTL_MS` after its last one. */
export interface FailureCounts {
  /** The name's count at `now`, or undefined when it has none (or it was forgotten). */
  get(key: string, now: number): Promise<FailureCount | undefined>;
  /** Counts one more failure at `now`; returns the new count. */
  add(key: string, now: number): Promise<FailureCount>;
}

/** How long a name without an account remembers its failures after the last one. */
export const UNKNOWN_NAME_TTL_MS = 24 * 3_600_000;
// Names remembered in memory; beyond it the oldest is forgotten.
const MAX_UNKNOWN_NAMES = 100_000;

/** Counts in this process: one node, or while Redis is down. */
export class MemoryFailureCounts implements FailureCounts {
  /** by name, in order of last failure: oldest first */
  private readonly names = new Map<string, FailureCount>();

  async get(key: string, now: number): Promise<FailureCount | undefined> {
    return this.current(key, now);
  }

  async add(key: string, now: number): Promise<FailureCount> {
    const count = { failures: (this.current(key, now)?.failures ?? 0) + 1, lastFailedAt: now };
    this.names.delete(key);
    this.names.set(key, count);
    if (this.names.size > MAX_UNKNOWN_NAMES) {
      const oldest = this.names.keys().next().value;
      if (oldest !== undefined) this.names.delete(oldest);
    }
    return count;
  }

  private current(key: string, now: number): FailureCount | undefined {
    const count = this.names.get(key);
    if (count && now - count.lastFailedAt > UNKNOWN_NAME_TTL_MS) {
      this.names.delete(key);
      return undefined;
    }
    return count;
  }
}

/**
 * Counts in Redis, one hash per name under `prefix` (failures `f`, last failure `at`),
 * expiring a day after the last failure. While Redis is down each node counts alone in
 * memory (as the limiters of limiter-store.ts do) rather than letting every login through.
 */
export class RedisFailureCounts implements FailureCounts {
  private readonly alone = new MemoryFailureCounts();

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string, now: number): Promise<FailureCount | undefined> {
    if (this.client.status !== 'ready') return this.alone.get(key, now);
    try {
      const [failures, at] = await this.client.hmget(this.keyOf(key), 'f', 'at');
      if (failures === null || at === null) return undefined;
      return { failures: Number(failures), lastFailedAt: Number(at) };
    } catch {
      return this.alone.get(key, now);
    }
  }

  async add(key: string, now: number): Promise<FailureCount> {
    if (this.client.status !== 'ready') return this.alone.add(key, now);
    const redisKey = this.keyOf(key);
    try {
      const replies = await this.client
        .multi()
        .hincrby(redisKey, 'f', 1)
        .hset(redisKey, 'at', now)
        .pexpire(redisKey, UNKNOWN_NAME_TTL_MS)
        .exec();
      const [err, failures] = replies?.[0] ?? [new Error('no reply from Redis'), 0];
      if (err) throw err;
      return { failures: Number(failures), lastFailedAt: now };
    } catch {
      return this.alone.add(key, now);
    }
  }

  private keyOf(key: string): string {
    const digest = createHash('sha256').update(key).digest('base64url');
    return `${this.prefix}limit:login_unknown:${digest}`;
  }
}
