// The rate limits hold across nodes (issue 15): two real nodes on one PostgreSQL database
// and one Redis. The login throttle of accounts (in storage) and of names that have no
// account (in Redis), the per-address login block and the registration limits count the
// same on every node, so an abuser gains nothing by spreading attempts over the nodes; the
// request rate limits are per connection (docs/operations.md#redis-broker) on every node.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient } from './client.ts';
import {
  type Cluster,
  clusterSkipReason,
  loginWhenFree,
  seedUser,
  startCluster,
  useClusterServices,
} from './cluster-support.ts';
import { codeOf, emailFor, expectOk, PASSWORD, uniqueName } from './util.ts';

const skipped = clusterSkipReason() !== undefined;
const services = useClusterServices(skipped);
afterEach(closeAllClients);

/** One login attempt on a fresh connection to `port`: its reply's code and message. */
async function attempt(port: number, login: string, password: string) {
  const c = await connectClient(port);
  const reply = await c.request('veus', [login, password], c.helloToken);
  c.destroy();
  return { code: codeOf(reply), message: String(reply.error?.message ?? '') };
}

describe.skipIf(skipped)('login throttling and request limits across two nodes', () => {
  let cluster: Cluster;
  const known = uniqueName('cl_known');
  const sender = uniqueName('cl_send');
  const reader = uniqueName('cl_read');
  beforeAll(async () => {
    // 127.0.0.1 stays exempt from the per-address block here: these count per name.
    cluster = await startCluster(
      services(),
      2,
      [seedUser(known), seedUser(sender), seedUser(reader)],
      {
        login: { backoff_after: 4, backoff_initial_s: 3_600 },
        rate_limits: {
          chat: { points: 3, duration_s: 3_600, burst_points: 0, burst_duration_s: 60 },
        },
      },
    );
  }, 180_000);
  const ports = () => cluster.nodes.map((n) => n.port) as [number, number];

  it('backs off a name that has no account after failures spread over both nodes', async () => {
    const [a, b] = ports();
    const ghost = uniqueName('cl_ghost');
    for (const p of [a, b, a, b])
      expect((await attempt(p, ghost, 'wrong-password-1')).code).toBe('invalid_credentials');
    // Two failures on each: either node alone would not back off yet.
    const onA = await attempt(a, ghost, 'wrong-password-1');
    const onB = await attempt(b, ghost, 'wrong-password-1');
    expect(onA.code).toBe('rate_limited');
    expect(onB.code).toBe('rate_limited');
    // Told apart from an account by nothing: a real account's backoff reads the same.
    for (const p of [a, b, a, b])
      expect((await attempt(p, known, 'wrong-password-1')).code).toBe('invalid_credentials');
    const real = await attempt(b, known, PASSWORD);
    expect(real).toEqual(onA);
    expect(await attempt(a, known, PASSWORD)).toEqual(onB);
  });

  it('limits requests per connection on every node', async () => {
    const [a, b] = ports();
    await loginWhenFree(a, reader);
    const send = await loginWhenFree(b, sender);
    for (let i = 0; i < 3; i++) expectOk(await send.call('msg', [reader, `m${i}`]), `msg ${i}`);
    expect(codeOf(await send.call('msg', [reader, 'one too many']))).toBe('rate_limited');
  });
});

describe.skipIf(skipped)('per-address limits across two nodes', () => {
  let cluster: Cluster;
  const known = uniqueName('ct_known');
  beforeAll(async () => {
    // Not exempt, so the per-address limits apply to the tests' 127.0.0.1.
    cluster = await startCluster(services(), 2, [seedUser(known)], {
      limits: { exempt_cidrs: [], registrations_per_ip: 2 },
      login: { ip_failures: 4 },
    });
  }, 180_000);
  const ports = () => cluster.nodes.map((n) => n.port) as [number, number];

  it('counts registrations from one address on both nodes', async () => {
    const [a, b] = ports();
    const register = async (port: number) => {
      const c = await connectClient(port);
      const name = uniqueName('ct_reg');
      const reply = await c.request('create_user', [name, PASSWORD, emailFor(name)], c.helloToken);
      c.destroy();
      return codeOf(reply);
    };
    expect(await register(a)).toBe('OK');
    expect(await register(b)).toBe('OK');
    // One on each so far: either node alone would take another.
    expect(await register(a)).toBe('rate_limited');
    expect(await register(b)).toBe('rate_limited');
  });

  // Last: it blocks the tests' address on both nodes.
  it('counts failed logins from one address on both nodes', async () => {
    const [a, b] = ports();
    for (const p of [a, a, b, b])
      expect((await attempt(p, uniqueName('spray'), 'spray-password')).code).toBe(
        'invalid_credentials',
      );
    // Two failures on each: either node alone would still let the address in.
    expect((await attempt(b, known, PASSWORD)).code).toBe('rate_limited');
    expect((await attempt(a, known, PASSWORD)).code).toBe('rate_limited');
  }, 60_000);
});
