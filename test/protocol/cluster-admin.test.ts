// Admin actions across real nodes on one PostgreSQL database and one Redis (issue 15): an
// admin on node A kicks, re-levels and bans users on nodes B and C, and kill_server stops
// every node (docs/protocol.md: every live client gets `shutdown`, each process exits 0).
// The limits across nodes are in cluster-limits.test.ts.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient } from './client.ts';
import {
  type Cluster,
  clusterSkipReason,
  loginWhenFree,
  seedUser,
  startCluster,
  useClusterServices,
  whoBecomes,
} from './cluster-support.ts';
import { waitExit } from './harness.ts';
import { codeOf, expectOk, PASSWORD, uniqueName } from './util.ts';

const skipped = clusterSkipReason() !== undefined;
const services = useClusterServices(skipped);
afterEach(closeAllClients);

describe.skipIf(skipped)('admin actions across three nodes', () => {
  let cluster: Cluster;
  const [root, ben, cid, dan] = ['root', 'ben', 'cid', 'dan'].map((n) => uniqueName(`ca_${n}`)) as [
    string,
    string,
    string,
    string,
  ];
  beforeAll(async () => {
    const users = [seedUser(root, 'admin'), seedUser(ben), seedUser(cid), seedUser(dan)];
    cluster = await startCluster(services(), 3, users);
  }, 180_000);
  const port = (i: number) => cluster.nodes[i]?.port as number;

  it('kicks a user whose session is on another node', async () => {
    const admin = await loginWhenFree(port(0), root);
    const onB = await loginWhenFree(port(1), ben);
    const kicked = expectOk(await admin.call('kick', [ben]), 'kick').data;
    expect(kicked).toEqual({ username: ben, sessions: 1 });
    expect((await onB.nextEvent('disconnect', 10_000)).data).toEqual({ reason: 'kicked' });
    await onB.waitClosed(10_000);
    expect(await whoBecomes(admin, [root]), 'ben is offline everywhere').toBe(true);
    // A kick is not a ban: ben logs in again, on yet another node.
    await loginWhenFree(port(2), ben);
    expect(codeOf(await admin.call('kick', [uniqueName('nobody')]))).toBe('not_found');
  });

  it('changes the level of a user on another node, who is told and gets the new rights', async () => {
    const admin = await loginWhenFree(port(0), root);
    const onC = await loginWhenFree(port(2), dan);
    expect(codeOf(await onC.call('kick', [ben]))).toBe('forbidden');
    const changed = expectOk(await admin.call('change_permission_level', [dan, 'admin']), 'level');
    expect(changed.data).toEqual({ username: dan, level: 'admin' });
    const told = await onC.nextEvent('permission_changed', 10_000);
    expect(told.data).toEqual({ level: 'admin', by: root });
    expect(expectOk(await onC.call('get_permission_level'), 'level').data).toBe('admin');
    // Back to basic, so the last tests have one admin.
    expectOk(await admin.call('change_permission_level', [dan, 'basic']), 'level back');
    expect((await onC.nextEvent('permission_changed', 10_000)).data.level).toBe('basic');
  });

  it('bans a user on another node: the session ends and no node lets them in', async () => {
    const admin = await loginWhenFree(port(0), root);
    const onC = await loginWhenFree(port(2), cid);
    expectOk(await admin.call('ban', [cid, 'spam']), 'ban');
    expect((await onC.nextEvent('disconnect', 10_000)).data).toEqual({ reason: 'banned' });
    for (const i of [0, 1, 2]) {
      const c = await connectClient(port(i));
      expect(codeOf(await c.request('veus', [cid, PASSWORD], c.helloToken))).toBe('forbidden');
    }
    expectOk(await admin.call('unban', [cid]), 'unban');
    await loginWhenFree(port(1), cid);
  });

  // Last: it stops the cluster.
  it('kill_server on one node stops every node, each telling its clients why', async () => {
    const admin = await loginWhenFree(port(0), root);
    const onB = await loginWhenFree(port(1), ben);
    const onC = await loginWhenFree(port(2), cid);
    const anonymous = await connectClient(port(2));
    const reply = expectOk(await admin.call('kill_server', ['maintenance']), 'kill_server');
    expect(reply.data).toBe('shutting down');
    for (const c of [admin, onB, onC, anonymous]) {
      const farewell = await c.nextEvent('shutdown', 15_000);
      expect(farewell.data).toEqual({ reason: 'maintenance', by: root });
      await c.waitClosed(15_000);
    }
    for (const node of cluster.nodes)
      expect(await waitExit(node, 20_000)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
