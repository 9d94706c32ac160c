// Group messages under `kill -9` of a node (issue 15), three real nodes on one PostgreSQL and
// one Redis: a sender keeps messaging a group whose members sit on every node; the node of
// two members is killed, they log in again on the other nodes, and each gets every group
// message the sender had `ok` for, in seq order without gaps (docs/protocol.md section 11),
// as does the member whose node never died.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from './client.ts';
import {
  type Cluster,
  clusterSkipReason,
  loginWhenFree,
  seedUser,
  startCluster,
  storedCursor,
  useClusterServices,
} from './cluster-support.ts';
import { seqsIn, span } from './stored.ts';
import { expectOk, pollUntil, uniqueName } from './util.ts';

const skipped = clusterSkipReason() !== undefined;
const services = useClusterServices(skipped);

/** Bounds of the load: how many messages at most, how many in flight, for how long. */
const MAX_MESSAGES = 3_000;
const WINDOW = 8;
const LOAD_DEADLINE_MS = 90_000;
/** How many acknowledged sends must follow the members' reconnection before the load stops. */
const AFTER_RECONNECT = 40;

describe.skipIf(skipped)('kill -9 of a node under group traffic', () => {
  let cluster: Cluster;
  const [owner, bea, bo, cy] = ['owner', 'bea', 'bo', 'cy'].map((n) => uniqueName(`cgf_${n}`)) as [
    string,
    string,
    string,
    string,
  ];
  beforeAll(async () => {
    const users = [owner, bea, bo, cy].map((u) => seedUser(u));
    cluster = await startCluster(services(), 3, users, { broker: { heartbeat_timeout_s: 3 } });
  }, 180_000);
  const port = (i: number) => cluster.nodes[i]?.port as number;

  it('brings every acknowledged group message, in order, to the members of the dead node', async () => {
    const sender = await loginWhenFree(port(0), owner);
    // bea and bo on node B (to be killed), cy on node C.
    const doomed = [await loginWhenFree(port(1), bea), await loginWhenFree(port(1), bo)];
    const steady = await loginWhenFree(port(2), cy);
    const group = uniqueName('cgf')
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '');
    const conv = expectOk(await sender.call('create_group', [group]), 'create_group').data.conv;
    for (const c of [...doomed, steady]) expectOk(await c.call('join_group', [conv]), 'join');

    // The load: the owner messages the group, WINDOW in flight, until told to stop (bounded).
    const acked: number[] = [];
    let reconnectedAt: number | undefined;
    const started = Date.now();
    const load = (async () => {
      for (let i = 0; i < MAX_MESSAGES && Date.now() - started < LOAD_DEADLINE_MS; i += WINDOW) {
        if (reconnectedAt !== undefined && acked.length >= reconnectedAt + AFTER_RECONNECT) break;
        const batch = Array.from({ length: WINDOW }, (_, j) =>
          sender.call('message_group', [conv, `load ${i + j}`], 30_000),
        );
        for (const r of await Promise.all(batch)) acked.push(expectOk(r, 'message_group').data.seq);
      }
    })();

    // Both members on node B read a while and acknowledge what they have; then B dies.
    const ackedSeqs: number[] = [];
    for (const [k, c] of doomed.entries()) {
      expect(await pollUntil(async () => seqsIn(c, conv).length >= 30 + 10 * k, 30_000)).toBe(true);
      const seq = Math.max(...seqsIn(c, conv));
      expectOk(await c.call('ack', [conv, seq]), 'ack');
      ackedSeqs.push(seq);
    }
    // Cursors are written a moment after the reply (section 11): wait until both are stored,
    // so the replay after the kill must honour them.
    for (const [k, name] of [bea, bo].entries()) {
      const stored = await pollUntil(
        async () => (await storedCursor(cluster.databaseUrl, name)) >= (ackedSeqs[k] as number),
        15_000,
      );
      expect(stored, `${name}'s ack reached the database`).toBe(true);
    }
    const node = cluster.nodes[1];
    node?.proc.kill('SIGKILL');
    await node?.exited;
    const atKill = acked.length;

    // They log in again, one on node A and one on node C, while the dead node's lease runs out.
    const after = [
      await loginWhenFree(port(0), bea, 30_000),
      await loginWhenFree(port(2), bo, 30_000),
    ];
    reconnectedAt = acked.length;
    for (const c of after) {
      let synced = (await c.nextEvent('synced', 15_000)).data;
      for (let i = 0; i < 20 && synced.more; i++)
        synced = expectOk(await c.call('sync'), 'sync').data;
    }
    await load;
    expect(acked.length, 'sends were acknowledged after the kill').toBeGreaterThan(atKill);

    const last = Math.max(...acked);
    for (const [k, c] of after.entries()) {
      const gotAll = await pollUntil(async () => seqsIn(c, conv).includes(last), 30_000);
      expect(gotAll, `the last acknowledged message (seq ${last}) reached member ${k}`).toBe(true);
      // One session each: every seq above the stored cursor once, ascending, no gap.
      expect(seqsIn(c, conv)).toEqual(span((ackedSeqs[k] as number) + 1, last));
      // Nothing acknowledged to the sender is missing from what the member's two sessions saw.
      const seen = new Set([...seqsIn(doomed[k] as TestClient, conv), ...seqsIn(c, conv)]);
      expect(acked.filter((s) => !seen.has(s))).toEqual([]);
    }
    // The member whose node lived got all of it live, in order, once.
    expect(await pollUntil(async () => seqsIn(steady, conv).includes(last), 30_000)).toBe(true);
    expect(seqsIn(steady, conv)).toEqual(span(seqsIn(steady, conv)[0] as number, last));
    expect(acked.filter((s) => !seqsIn(steady, conv).includes(s))).toEqual([]);
  }, 180_000);
});
