// The failure counts of login names without an account: in memory (one process, forgotten
// a day after the last failure) and in a real Redis, shared by two nodes' connections, kept
// under a hash of the name, and counted alone in memory while Redis cannot be reached.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisService, redisSkipReason, startRedis } from '../../../test/services/redis.ts';
import { MemoryFailureCounts, RedisFailureCounts, UNKNOWN_NAME_TTL_MS } from './failure-counts.ts';

describe('MemoryFailureCounts', () => {
  it('counts per name and forgets a name a day after its last failure', async () => {
    const counts = new MemoryFailureCounts();
    await counts.add('ghost', 1_000);
    expect(await counts.add('ghost', 2_000)).toEqual({ failures: 2, lastFailedAt: 2_000 });
    expect(await counts.get('other', 2_000)).toBeUndefined();
    expect(await counts.get('ghost', 2_000 + UNKNOWN_NAME_TTL_MS)).toEqual({
      failures: 2,
      lastFailedAt: 2_000,
    });
    expect(await counts.get('ghost', 2_001 + UNKNOWN_NAME_TTL_MS)).toBeUndefined();
  });
});

const noRedis = redisSkipReason();

describe.skipIf(noRedis)('RedisFailureCounts', () => {
  let redis: RedisService;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });
  const connect = async () => {
    const c = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false });
    c.on('error', () => {});
    clients.push(c);
    await c.connect();
    return c;
  };

  it('counts one name across nodes, for a day, under a hash of the name', async () => {
    const [one, two] = [await connect(), await connect()];
    const a = new RedisFailureCounts(one, 'fc1:');
    const b = new RedisFailureCounts(two, 'fc1:');
    await a.add('Mistyped-Password-7', 1_000);
    await b.add('Mistyped-Password-7', 2_000);
    expect(await a.add('Mistyped-Password-7', 3_000)).toEqual({ failures: 3, lastFailedAt: 3_000 });
    expect(await b.get('Mistyped-Password-7', 3_000)).toEqual({ failures: 3, lastFailedAt: 3_000 });
    expect(await b.get('someone-else', 3_000)).toBeUndefined();
    const keys = await one.keys('fc1:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^fc1:limit:login_unknown:[A-Za-z0-9_-]{43}$/);
    expect(keys[0]).not.toContain('Mistyped');
    const ttl = await one.pttl(keys[0] as string);
    expect(ttl).toBeGreaterThan(UNKNOWN_NAME_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(UNKNOWN_NAME_TTL_MS);
  });

  it('counts alone in memory while Redis cannot be reached', async () => {
    const client = await connect();
    const counts = new RedisFailureCounts(client, 'fc2:');
    await counts.add('ghost', 1_000);
    client.disconnect();
    expect(await counts.add('ghost', 2_000)).toEqual({ failures: 1, lastFailedAt: 2_000 });
    expect(await counts.get('ghost', 2_000)).toEqual({ failures: 1, lastFailedAt: 2_000 });
  });
});
