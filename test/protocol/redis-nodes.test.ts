// Two server processes on one Redis broker and one data directory (as --workers
// shares it: SQLite in WAL mode with many processes): messages, presence and the
// one-session rule cross nodes, the login throttle counts on both, and a Redis
// outage loses no stored message (each node re-reads what its sessions missed).
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisService, redisSkipReason, startRedis } from '../services/redis.ts';
import { closeAllClients, connectClient, loginClient } from './client.ts';
import { cleanup, type ServerHandle, startServer } from './harness.ts';
import { messagesIn } from './stored.ts';
import { codeOf, emailFor, expectOk, PASSWORD, pollUntil, uniqueName } from './util.ts';

const noRedis = redisSkipReason();
let redis: RedisService | undefined;
let pairs = 0;

afterEach(closeAllClients);
beforeAll(async () => {
  if (!noRedis) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await cleanup();
  await redis?.stop();
});

/** Two nodes, `a` seeding the users, `b` on the same data dir, both on one Redis prefix. */
async function twoNodes(usernames: string[], extra: Record<string, unknown> = {}) {
  const prefix = `n${++pairs}:`;
  const config = {
    broker: { driver: 'redis', redis_url: (redis as RedisService).url, redis_prefix: prefix },
    ...extra,
  };
  const users = usernames.map((username) => ({
    username,
    email: emailFor(username),
    password: PASSWORD,
  }));
  // Two server processes on a loaded machine: give each longer than the default to start.
  const listenTimeoutMs = 40_000;
  const a = await startServer({ users, config, args: ['--node-id', 'a'], listenTimeoutMs });
  const b = await startServer({
    config,
    dataDir: a.dataDir,
    args: ['--node-id', 'b'],
    listenTimeoutMs,
  });
  return { nodes: [a, b] as [ServerHandle, ServerHandle], prefix };
}

/** True once both nodes hold a lease in Redis again: their command connections answer. */
async function bothOnRedis(prefix: string): Promise<boolean> {
  const r = new Redis((redis as RedisService).url, { lazyConnect: true });
  try {
    await r.connect();
    const leases = await r.zrange(`${prefix}nodes`, '0', '-1');
    return leases.includes('a') && leases.includes('b');
  } finally {
    r.disconnect();
  }
}

describe.skipIf(noRedis)('two nodes on one Redis', () => {
  let nodes: [ServerHandle, ServerHandle];
  let prefix = '';
  const [ann, ben, known] = [uniqueName('rn_ann'), uniqueName('rn_ben'), uniqueName('rn_known')];
  beforeAll(async () => {
    // Not exempt, so the per-address login block applies to the tests' 127.0.0.1.
    ({ nodes, prefix } = await twoNodes([ann, ben, known], {
      limits: { exempt_cidrs: [] },
      login: { ip_failures: 4 },
    }));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('delivers a direct message across nodes, shows who is online on both, one session per user', async () => {
    const [a, b] = nodes;
    const onA = await loginClient(a.port, ann, PASSWORD);
    const onB = await loginClient(b.port, ben, PASSWORD);
    const who = expectOk(await onA.call('who'), 'who').data;
    expect(who.users.map((u: { username: string }) => u.username)).toEqual([ann, ben]);

    const sent = expectOk(await onA.call('msg', [ben, 'across']), 'msg').data;
    const arrived = await pollUntil(
      async () => messagesIn(onB.received).some((m) => m.data.text === 'across'),
      10_000,
    );
    expect(arrived).toBe(true);
    const got = messagesIn(onB.received).find((m) => m.data.text === 'across');
    expect(got?.data).toMatchObject({ from: ann, seq: sent.seq });

    const again = await connectClient(b.port);
    expectOk(await again.request('veus', [ann, PASSWORD], again.helloToken), 'veus');
    expect(codeOf(await again.request('set_user', [], again.helloToken))).toBe('already_logged_in');
  });

  it('loses no stored message while Redis is down, and delivers across nodes again after', async () => {
    const [a, b] = nodes;
    const onA = await loginClient(a.port, ann, PASSWORD);
    const onB = await loginClient(b.port, ben, PASSWORD);
    await (redis as RedisService).kill();
    // Stored on the shared database; the live copy has no way to the other node.
    const during = expectOk(await onA.call('msg', [ben, 'during the outage']), 'msg').data;
    await (redis as RedisService).start();
    const resynced = await pollUntil(
      async () => messagesIn(onB.received).some((m) => m.data.seq === during.seq),
      15_000,
    );
    expect(resynced, 'the message sent during the outage reached the other node').toBe(true);
    // And live traffic crosses nodes again, once the broker has reconnected.
    const reached = await pollUntil(async () => {
      const r = expectOk(await onA.call('msg', [ben, 'after']), 'msg').data;
      return pollUntil(async () => messagesIn(onB.received).some((m) => m.data.seq === r.seq), 500);
    }, 15_000);
    expect(reached).toBe(true);
    const seqs = messagesIn(onB.received).map((m) => m.data.seq as number);
    expect(new Set(seqs).size, 'none twice').toBe(seqs.length);
    expect(
      [...seqs].sort((x, y) => x - y),
      'in seq order',
    ).toEqual(seqs);
  });

  // Last: it blocks the tests' address on both nodes.
  it('counts failed logins from one address on both nodes', async () => {
    const [a, b] = nodes;
    const attempt = async (port: number, login: string, password: string) => {
      const c = await connectClient(port);
      const reply = await c.request('veus', [login, password], c.helloToken);
      c.destroy();
      return codeOf(reply);
    };
    // After the outage above, each node counts alone until its command connection is back.
    expect(await pollUntil(() => bothOnRedis(prefix), 15_000), 'both nodes back on Redis').toBe(
      true,
    );
    for (const port of [a.port, a.port, b.port, b.port]) {
      expect(await attempt(port, uniqueName('spray'), 'spray-password')).toBe(
        'invalid_credentials',
      );
    }
    // Two failures on each: on either node alone the address would still be let in.
    expect(await attempt(b.port, known, PASSWORD)).toBe('rate_limited');
    expect(await attempt(a.port, known, PASSWORD)).toBe('rate_limited');
  }, 60_000);
});
