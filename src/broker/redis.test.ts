// What only the Redis broker does: surviving a Redis outage or restart (the node
// keeps its own users, restores them in Redis and asks for a resync), telling
// the other nodes it is back after it alone was cut off, and restoring its part
// when its lease was taken while it lived; a killed node's users free at once (its
// connection closed), a hung one's only once its lease runs out.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  alice,
  bob,
  carol,
  closeRedisBrokers,
  eventually,
  redisNodes,
} from '../../test/services/broker-nodes.ts';
import { type RedisService, redisSkipReason, startRedis } from '../../test/services/redis.ts';

const noRedis = redisSkipReason();

/** Kills the subscriber connection of `node` (by its name in CLIENT LIST), through `via`. */
async function cutSubscriber(via: Redis, prefix: string, node: string): Promise<void> {
  const list = (await via.client('LIST')) as string;
  const ids = [...list.matchAll(/id=(\d+) [^\n]* name=(\S+)/g)].filter(
    (m) => m[2] === `${prefix}${node}:sub`,
  );
  expect(ids).toHaveLength(1);
  expect(await via.client('KILL', 'ID', String(ids[0]?.[1]))).toBe(1);
}
let redis: RedisService;
beforeAll(async () => {
  if (!noRedis) redis = await startRedis();
});
afterEach(closeRedisBrokers);
afterAll(async () => {
  await redis?.stop();
});

describe.skipIf(noRedis)('RedisBroker when Redis goes away', () => {
  it('keeps its own users while Redis is down, refuses new claims, and restores them after a restart', async () => {
    const { nodes } = await redisNodes(redis.url, { perUser: 1, capacity: 10 });
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    expect(await a.broker.claim(carol)).toBe('ok');
    expect(await b.broker.claim(bob)).toBe('ok');
    await redis.kill();
    expect(await a.broker.find('ALICE')).toEqual({ ...alice, sessions: 1 });
    expect(await a.broker.list(10)).toEqual({ users: [alice, carol], total: 2 });
    expect(await a.broker.claim(bob)).toBe('server_busy');
    expect(a.broker.send({ kind: 'deliver', userId: bob.id, frame: 'lost\n' })).toBeUndefined();
    // A release Redis never hears of: the restore puts the right count back.
    a.broker.release(carol);
    await redis.start(); // empty: no persistence
    await eventually(() => a.resyncs > 0 && b.resyncs > 0);
    await eventually(async () => (await b.broker.list(10)).total === 2);
    expect((await b.broker.list(10)).users).toEqual([alice, bob]);
    expect(await b.broker.claim(alice)).toBe('already_logged_in');
    // Live routing works again after the resubscription.
    a.broker.send({ kind: 'deliver', userId: bob.id, frame: 'back\n' });
    await eventually(() => b.got.length > 0);
    expect(b.got).toEqual([{ kind: 'deliver', userId: bob.id, frame: 'back\n' }]);
  });

  it('tells the other nodes it is back after only it was cut off, so they re-read storage', async () => {
    const { nodes, brokers } = await redisNodes(redis.url, { perUser: 1, capacity: 10 }, 3);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const [brokerA, brokerB] = brokers as [(typeof brokers)[0], (typeof brokers)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    // Cut node a's command connection alone: what it published meanwhile was lost, and the
    // others, still connected, would never know (their own subscriptions never broke).
    const id = await brokerA.client.client('ID');
    expect(await brokerB.client.client('KILL', 'ID', String(id))).toBe(1);
    await eventually(() => b.resyncs > 0 && c.resyncs > 0);
    expect([b.resyncs, c.resyncs]).toEqual([1, 1]);
    // Its presence is back in Redis too, and routing goes on.
    expect(await b.broker.find('alice')).toEqual({ ...alice, sessions: 1 });
    b.broker.send({ kind: 'deliver', userId: alice.id, frame: 'after\n' });
    await eventually(() => a.got.length > 0);
    expect(a.got).toEqual([{ kind: 'deliver', userId: alice.id, frame: 'after\n' }]);
  });

  it('puts its users back when it finds its lease taken while it lived', async () => {
    const { nodes, brokers, prefix } = await redisNodes(redis.url, { perUser: 1, capacity: 10 }, 2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    // As if node a had stalled past its lease: another node reaped it.
    await brokers[1]?.client.zadd(`${prefix}nodes`, 0, 'node1');
    expect(await b.broker.find('alice')).toBeUndefined();
    // Its next claim (or heartbeat) sees the lease gone and restores first.
    expect(await a.broker.claim(bob)).toBe('ok');
    expect(await b.broker.list(10)).toEqual({ users: [alice, bob], total: 2 });
    // Meanwhile the others saw alice offline and sent her nothing live: node a reads again.
    expect(a.resyncs).toBe(1);
  });

  it('takes its users out at once on a clean close', async () => {
    const { nodes } = await redisNodes(redis.url, { perUser: 1, capacity: 10 }, 2, 60_000);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    a.broker.close();
    await eventually(async () => (await b.broker.find('alice')) === undefined);
    expect(await b.broker.claim(alice)).toBe('ok');
  });

  it("frees a killed node's users within a second, without waiting for its lease", async () => {
    const { nodes, brokers } = await redisNodes(redis.url, { perUser: 1, capacity: 10 }, 2, 60_000);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    expect(await a.broker.claim(carol)).toBe('ok');
    expect(await b.broker.claim(bob)).toBe('ok');
    // Node b keeps carol in its found cache ...
    await brokers[1]?.heardAll();
    expect(await b.broker.find('carol')).toEqual({ ...carol, sessions: 1 });
    // Its connections close as a killed process's do; the lease has a minute left. The first
    // claim after it suspects the node, one a second later drops it.
    brokers[0]?.crash();
    await eventually(async () => (await b.broker.claim(alice)) === 'ok');
    // The claim dropped every session of the dead node, not only the one in its way.
    expect(await b.broker.list(10)).toEqual({ users: [alice, bob], total: 2 });
    // ... until the drop is published (it crosses b's subscriber, so not at once).
    await eventually(async () => (await b.broker.find('carol')) === undefined);
  });

  it('does not drop a node whose subscriber is gone only for a moment', async () => {
    const { nodes, brokers, prefix } = await redisNodes(
      redis.url,
      { perUser: 1, capacity: 10 },
      2,
      60_000,
    );
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    const redisB = brokers[1]?.client as Redis;
    // Its subscriber connection breaks; ioredis reconnects it at once.
    await cutSubscriber(redisB, prefix, 'node1');
    // A claim in that moment only suspects it ...
    expect(await b.broker.claim(alice)).toBe('already_logged_in');
    expect(await redisB.hexists(`${prefix}suspects`, 'node1')).toBe(1);
    // ... and once it listens again, the next look clears the suspicion.
    await eventually(() => a.resyncs > 0);
    expect(await b.broker.claim(alice)).toBe('already_logged_in');
    expect(await redisB.hexists(`${prefix}suspects`, 'node1')).toBe(0);
    expect(await b.broker.find('alice')).toEqual({ ...alice, sessions: 1 });
  });

  it("keeps a hung node's users until its lease runs out", async () => {
    const { nodes, brokers } = await redisNodes(redis.url, { perUser: 1, capacity: 10 }, 2, 1_000);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    // No more heartbeats, but still connected (a stopped process): its lease decides.
    brokers[0]?.freeze();
    expect(await b.broker.claim(alice)).toBe('already_logged_in');
    await eventually(async () => (await b.broker.claim(alice)) === 'ok');
  });

  it('ends its own sessions of users another node let in while it counted as dead', async () => {
    const { nodes, brokers, prefix } = await redisNodes(redis.url, { perUser: 1, capacity: 10 }, 2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await a.broker.claim(alice)).toBe('ok');
    expect(await a.broker.claim(carol)).toBe('ok');
    // Node a was dropped (its subscriber was gone a moment) and alice logged in on node b.
    const redisB = brokers[1]?.client;
    await redisB?.zadd(`${prefix}nodes`, 0, 'node1');
    expect(await b.broker.claim(alice)).toBe('ok');
    // Node a's next claim finds its lease gone and restores: alice is over the cap now.
    expect(await a.broker.claim(bob)).toBe('ok');
    expect(a.got).toEqual([{ kind: 'end', userId: alice.id, reason: 'session_replaced' }]);
    // Carol, whom nobody else took, stays with node a.
    expect(await b.broker.claim(carol)).toBe('already_logged_in');
  });
});

describe.skipIf(noRedis)("RedisBroker's found cache", () => {
  it('forgets a user found on another node once Redis says they left', async () => {
    const { nodes, brokers } = await redisNodes(redis.url, { perUser: 1, capacity: 10 }, 2, 60_000);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await b.broker.claim(bob)).toBe('ok');
    // Once the claim's own change has reached node a, what it finds is kept.
    await brokers[0]?.heardAll();
    expect(await a.broker.find('bob')).toEqual({ ...bob, sessions: 1 });
    expect(await a.broker.find('BOB')).toEqual({ ...bob, sessions: 1 });
    b.broker.release(bob);
    // The lease is a minute: only the published change can end the kept answer in time.
    await eventually(async () => (await a.broker.find('bob')) === undefined);
    // Found again once back, with the count of the new claim.
    expect(await b.broker.claim(bob)).toBe('ok');
    await eventually(async () => (await a.broker.find('bob'))?.sessions === 1);
  });

  it('keeps nothing across a break of its subscriber, when changes went unheard', async () => {
    const { nodes, brokers, prefix } = await redisNodes(
      redis.url,
      { perUser: 1, capacity: 10 },
      2,
      60_000,
    );
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    expect(await b.broker.claim(bob)).toBe('ok');
    await brokers[0]?.heardAll();
    expect(await a.broker.find('bob')).toEqual({ ...bob, sessions: 1 });
    // Node a's subscriber is cut; bob leaves while nobody listens there.
    await cutSubscriber(brokers[1]?.client as Redis, prefix, 'node1');
    b.broker.release(bob);
    await eventually(async () => (await b.broker.list(10)).total === 0);
    await eventually(() => a.resyncs > 0);
    expect(await a.broker.find('bob')).toBeUndefined();
  });
});
