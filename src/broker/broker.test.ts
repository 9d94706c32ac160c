// One contract for every Broker (memory; the cluster broker through its hub; the
// Redis broker on a real redis-server), then the same multi-node cases for every
// broker of several nodes. Cluster- and Redis-only behaviour: their own files.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  alice,
  bob,
  carol,
  closeRedisBrokers,
  clusterNodes,
  eventually,
  redisNodes,
  settle,
  type TestCluster,
} from '../../test/services/broker-nodes.ts';
import { type RedisService, redisSkipReason, startRedis } from '../../test/services/redis.ts';
import type { Broker, NodeCommand, SessionCaps } from './broker.ts';
import { MemoryBroker } from './memory.ts';

const noRedis = redisSkipReason();
let redis: RedisService | undefined;
beforeAll(async () => {
  if (!noRedis) redis = await startRedis();
});
afterEach(closeRedisBrokers);
afterAll(async () => {
  await redis?.stop();
});

type MakeNodes = (caps: SessionCaps, n?: number) => Promise<TestCluster>;
const onCluster: MakeNodes = async (caps, n) => clusterNodes(caps, n);
const onRedis: MakeNodes = (caps, n) => redisNodes((redis as RedisService).url, caps, n);

const multiNode: Array<[string, MakeNodes]> = [['ClusterBroker', onCluster]];
if (!noRedis) multiNode.push(['RedisBroker', onRedis]);

const implementations: Array<[string, (caps: SessionCaps) => Promise<Broker>]> = [
  ['MemoryBroker', async (caps) => new MemoryBroker(caps)],
  ...multiNode.map(([name, make]): [string, (caps: SessionCaps) => Promise<Broker>] => [
    name,
    async (caps) => ((await make(caps, 1)).nodes[0] as { broker: Broker }).broker,
  ]),
];

describe.each(implementations)('%s (the Broker contract)', (_name, make) => {
  it('grants sessions within the per-user and total caps and gives them back', async () => {
    const broker = await make({ perUser: 1, capacity: 2 });
    expect(await broker.claim(alice)).toBe('ok');
    expect(await broker.claim({ ...alice, username: 'ALICE' })).toBe('already_logged_in');
    expect(await broker.claim(bob)).toBe('ok');
    expect(await broker.claim(carol)).toBe('server_busy');
    broker.release(alice);
    await settle();
    expect(await broker.claim(carol)).toBe('ok');
    expect(await broker.claim(alice)).toBe('server_busy');
  });

  it('finds users in any case and lists them sorted with a cursor', async () => {
    const broker = await make({ perUser: 2, capacity: 10 });
    for (const u of [carol, alice, bob, alice]) expect(await broker.claim(u)).toBe('ok');
    await settle();
    expect(await broker.find('ALICE')).toEqual({ ...alice, sessions: 2 });
    expect(await broker.find('nobody')).toBeUndefined();
    expect(await broker.list(10)).toEqual({ users: [alice, bob, carol], total: 3 });
    expect(await broker.list(1, 'alice')).toEqual({ users: [bob], total: 3 });
    broker.release(alice);
    broker.release(alice);
    await settle();
    expect(await broker.find('alice')).toBeUndefined();
    expect((await broker.list(10)).total).toBe(2);
  });
});

describe.each(multiNode)('%s with several nodes', (_name, make) => {
  it('holds one session per user and the total cap across nodes', async () => {
    const { nodes } = await make({ perUser: 1, capacity: 2 });
    const [a, b] = [nodes[0]?.broker, nodes[1]?.broker] as [Broker, Broker];
    expect(await a.claim(alice)).toBe('ok');
    expect(await b.claim(alice)).toBe('already_logged_in');
    expect(await b.claim(bob)).toBe('ok');
    expect(await a.claim(carol)).toBe('server_busy');
    await settle();
    expect((await a.list(10)).users).toEqual([alice, bob]);
    expect((await b.list(10)).users).toEqual([alice, bob]);
    // A release on another node than the claim's does not free the slot.
    b.release(alice);
    await settle();
    expect(await b.find('alice')).toEqual({ ...alice, sessions: 1 });
  });

  it('finds a user claimed on another node at once', async () => {
    const { nodes } = await make({ perUser: 1, capacity: 10 });
    const [a, b] = [nodes[0]?.broker, nodes[1]?.broker] as [Broker, Broker];
    expect(await a.claim(bob)).toBe('ok');
    expect(await b.find('BOB')).toEqual({ ...bob, sessions: 1 });
  });

  it('routes user commands only to the other nodes holding the user; shutdown and groups to all', async () => {
    const { nodes } = await make({ perUser: 2, capacity: 10 }, 3);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    await a.broker.claim(alice);
    await b.broker.claim(alice);
    await settle();
    const deliver: NodeCommand = { kind: 'deliver', userId: alice.id, frame: '{"ü":"🎉"}\n' };
    const joined: NodeCommand = { kind: 'group_member', convId: 5, userId: carol.id, joined: true };
    const shutdown: NodeCommand = { kind: 'shutdown', reason: 'bench', by: 'root' };
    a.broker.send(deliver);
    a.broker.send({ kind: 'end', userId: bob.id, reason: 'kicked' });
    a.broker.send(joined);
    b.broker.send(shutdown);
    await eventually(() => a.got.length >= 1 && b.got.length >= 2 && c.got.length >= 2);
    await settle();
    expect(a.got).toEqual([shutdown]);
    expect(b.got).toEqual([deliver, joined]);
    expect(c.got).toHaveLength(2);
    expect(c.got).toEqual(expect.arrayContaining([joined, shutdown]));
  });

  it('drops the sessions of a node that went away', async () => {
    const cluster = await make({ perUser: 1, capacity: 10 });
    const [a, b] = [cluster.nodes[0]?.broker, cluster.nodes[1]?.broker] as [Broker, Broker];
    await a.claim(alice);
    await b.claim(bob);
    cluster.kill(0);
    await eventually(async () => (await b.list(10)).total === 1);
    expect((await b.list(10)).users).toEqual([bob]);
    expect(await b.find('alice')).toBeUndefined();
    expect(await b.claim(alice)).toBe('ok');
  });
});
