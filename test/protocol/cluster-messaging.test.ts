// Three real nodes on one PostgreSQL database and one Redis (issue 15): direct and group
// messages cross nodes in order and are stored (a third node's history shows them), `who`
// and group presence count every node, and one session per user holds across nodes.
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
  whoOn,
} from './cluster-support.ts';
import { messagesIn } from './stored.ts';
import { codeOf, expectOk, PASSWORD, pollUntil, uniqueName } from './util.ts';

const skipped = clusterSkipReason() !== undefined;
const services = useClusterServices(skipped);
afterEach(closeAllClients);

describe.skipIf(skipped)('three nodes on PostgreSQL and Redis', () => {
  let cluster: Cluster;
  const [ann, ben, cid] = [uniqueName('cm_ann'), uniqueName('cm_ben'), uniqueName('cm_cid')];
  beforeAll(async () => {
    cluster = await startCluster(
      services(),
      3,
      [ann, ben, cid].map((u) => seedUser(u)),
    );
  }, 180_000);
  const port = (i: number) => cluster.nodes[i]?.port as number;

  it('delivers direct messages from node A to node B in order, and node C shows them stored', async () => {
    const onA = await loginWhenFree(port(0), ann);
    const onB = await loginWhenFree(port(1), ben);
    const texts = Array.from({ length: 20 }, (_, i) => `dm ${i}`);
    const seqs: number[] = [];
    for (const t of texts) seqs.push(expectOk(await onA.call('msg', [ben, t]), 'msg').data.seq);
    const arrived = await pollUntil(async () => messagesIn(onB.received).length >= 20, 15_000);
    expect(arrived, 'all 20 reached node B').toBe(true);
    const got = messagesIn(onB.received).map((m) => [m.data.from, m.data.text, m.data.seq]);
    expect(got).toEqual(texts.map((t, i) => [ann, t, seqs[i]]));

    const onC = await loginWhenFree(port(2), cid);
    expectOk(await onC.call('ping'), 'ping');
    onB.destroy();
    const benOnC = await loginWhenFree(port(2), ben);
    const h = expectOk(await benOnC.call('history', [`@${ann}`]), 'history').data;
    expect(h.messages.map((m: { text: string }) => m.text)).toEqual(texts);
  });

  it('fans a group message out to members on every node, in order, stored', async () => {
    const onA = await loginWhenFree(port(0), ann);
    const onB = await loginWhenFree(port(1), ben);
    const onC = await loginWhenFree(port(2), cid);
    const group = uniqueName('cg')
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '');
    const conv = expectOk(await onA.call('create_group', [group]), 'create_group').data.conv;
    expectOk(await onB.call('join_group', [conv]), 'join B');
    expectOk(await onC.call('join_group', [conv]), 'join C');
    // Group presence counts the members online on every node.
    const members = expectOk(await onC.call('group_members', [conv]), 'group_members').data;
    expect(members.members.map((m: { username: string; online: boolean }) => m.online)).toEqual([
      true,
      true,
      true,
    ]);

    const texts = ['g0', 'g1', 'g2', 'g3', 'g4'];
    for (const t of texts) expectOk(await onA.call('message_group', [conv, t]), 'message_group');
    for (const c of [onB, onC]) {
      const inGroup = () => messagesIn(c.received).filter((m) => m.data.conv === conv);
      expect(await pollUntil(async () => inGroup().length >= 5, 15_000)).toBe(true);
      expect(inGroup().map((m) => [m.data.from, m.data.text])).toEqual(texts.map((t) => [ann, t]));
    }
    const h = expectOk(await onB.call('history', [conv]), 'history').data;
    expect(h.messages.map((m: { text: string }) => m.text)).toEqual(texts);

    // A member who leaves the cluster shows offline to the others, wherever they are.
    onC.destroy();
    const offline = await pollUntil(async () => {
      const m = expectOk(await onA.call('group_members', [conv]), 'group_members').data;
      return m.members.some((x: { username: string; online: boolean }) => !x.online);
    }, 15_000);
    expect(offline, 'the closed session is offline in the group').toBe(true);
  });

  it('lists who is online on all nodes from any node', async () => {
    const onA = await loginWhenFree(port(0), ann);
    const onB = await loginWhenFree(port(1), ben);
    const onC = await loginWhenFree(port(2), cid);
    const everyone = [ann, ben, cid];
    for (const c of [onA, onB, onC]) expect(await whoBecomes(c, everyone)).toBe(true);
    onB.destroy();
    expect(await whoBecomes(onC, [ann, cid]), 'ben left node B').toBe(true);
    expect(await whoOn(onA)).toEqual([ann, cid]);
  });

  it('keeps one session per user across nodes: a second login elsewhere is already_logged_in', async () => {
    const onA = await loginWhenFree(port(0), ann);
    for (const i of [1, 2]) {
      const again = await connectClient(port(i));
      expectOk(await again.request('veus', [ann, PASSWORD], again.helloToken), 'veus');
      expect(codeOf(await again.request('set_user', [], again.helloToken))).toBe(
        'already_logged_in',
      );
    }
    // The first session is untouched, and once it ends the user may log in on another node.
    expectOk(await onA.call('ping'), 'the first session still answers');
    onA.destroy();
    const onC = await loginWhenFree(port(2), ann);
    expect(await whoOn(onC)).toEqual([ann]);
  });
});
