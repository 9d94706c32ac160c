// The `broker` section of the configuration: which broker the nodes share
// presence and routing through, and (redis) where and how it is reached.
import { z } from 'zod';

/** The `broker` section: memory (one node; --workers keeps the cluster broker) or redis. */
export const BrokerSection = z.strictObject({
  driver: z.enum(['memory', 'redis']).default('memory'),
  // redis://[user:password@]host:port[/db]; rediss:// for TLS.
  redis_url: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  // Prefix of every key and channel, so several clusters can share one Redis.
  redis_prefix: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ : -')
    .default('ss:'),
  // A node that has not renewed its lease for this long stops counting (its users go offline).
  heartbeat_timeout_s: z.number().min(1).max(3_600).default(15),
});

/** A node id: what other nodes and Redis know this node by. */
export const NodeId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ -');
