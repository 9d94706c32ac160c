// The one place config chooses what nodes share: the broker (presence, caps,
// routing) and, with it, the stores of the login, registration and reset limits.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.ts';
import type { Config } from './config.ts';
import { type FailureCounts, RedisFailureCounts } from './security/failure-counts.ts';
import { type MakeLimiter, redisLimiters } from './security/limiter-store.ts';

/** What a node shares with the others; all undefined: this process alone. */
export interface Shared {
  broker?: Broker;
  limiters?: MakeLimiter;
  loginFailures?: FailureCounts;
}

/** This node's id: server.node_id, else a random one (a restarted node is a new node). */
export function nodeIdOf(config: Config): string {
  return config.server.node_id ?? `node-${randomBytes(6).toString('hex')}`;
}

/** Connects the broker config asks for (redis), or nothing for the default (memory). */
export async function openSharedBroker(config: Config, log: Logger): Promise<Shared> {
  const { broker } = config;
  if (broker.driver === 'memory') return {};
  // Loaded only here: a server on the memory broker never loads ioredis (~0.1 s of CPU a start).
  const { RedisBroker } = await import('../broker/redis.ts');
  const nodeId = nodeIdOf(config);
  // Only the error's message: the URL may carry a password.
  let lastError = '';
  const redis = new RedisBroker({
    url: broker.redis_url,
    caps: { capacity: config.limits.user_capacity, perUser: config.session.sessions_per_user },
    nodeId,
    heartbeatTimeoutMs: broker.heartbeat_timeout_s * 1000,
    prefix: broker.redis_prefix,
    onError: (err) => {
      if (err.message === lastError) return;
      lastError = err.message;
      log.warn({ error: err.message }, 'redis broker: connection trouble (retrying)');
    },
    onNodeDropped: (node) =>
      log.warn(
        { node },
        'redis broker: a node counted as dead (its connection to Redis closed); its sessions were dropped',
      ),
  });
  try {
    await redis.start();
  } catch (err) {
    redis.close();
    throw new Error(`cannot reach Redis (broker.redis_url): ${(err as Error).message}`);
  }
  log.info({ node_id: nodeId }, 'redis broker connected');
  return {
    broker: redis,
    limiters: redisLimiters(redis.client, broker.redis_prefix),
    loginFailures: new RedisFailureCounts(redis.client, broker.redis_prefix),
  };
}
