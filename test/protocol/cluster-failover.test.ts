// `kill -9` of a node under load (issue 15), three real nodes on one PostgreSQL and one Redis:
// the killed node's client reconnects to another node and gets every message its sender had
// `ok` for, in seq order without gaps (docs/protocol.md section 11), and the dead node's users
// leave `who`. Its lease (broker.heartbeat_timeout_s) is a minute here and outlasts the test's
// waits: the killed node's connection to Redis closed, and that alone frees its users.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Cluster,
  clusterSkipReason,
  loginWhenFree,
  seedUser,
  startCluster,
  storedCursor,
  useClusterServices,
  whoBecomes,
} from './cluster-support.ts';
import { seqsIn } from './stored.ts';
import { expectOk, pollUntil, uniqueName } from './util.ts';

const skipped = clusterSkipReason() !== undefined;
const services = useClusterServices(skipped);

/** Bounds of the load: how many messages at most, how many in flight, for how long. */
const MAX_MESSAGES = 3_000;
const WINDOW = 8;
const LOAD_DEADLINE_MS = 90_000;
/** How many acknowledged sends must follow the receiver's reconnection before the load stops. */
const AFTER_RECONNECT = 50;

describe.skipIf(skipped)('kill -9 of a node under load', () => {
  let cluster: Cluster;
  const [sam, rita, idle] = ['sam', 'rita', 'idle'].map((n) => uniqueName(`cf_${n}`)) as [
    string,
    string,
    string,
  ];
  beforeAll(async () => {
    const users = [sam, rita, idle].map((u) => seedUser(u));
    cluster = await startCluster(services(), 3, users, { broker: { heartbeat_timeout_s: 60 } });
  }, 180_000);
  const port = (i: number) => cluster.nodes[i]?.port as number;

  it("reconnects the dead node's client elsewhere with every acknowledged message, in order", async () => {
    const sender = await loginWhenFree(port(0), sam);
    const before = await loginWhenFree(port(1), rita);
    const bystander = await loginWhenFree(port(1), idle);
    expectOk(await bystander.call('ping'), 'ping');
    expect(await whoBecomes(sender, [sam, idle, rita].sort(byName)), 'all three online').toBe(true);

    // The load: sam sends to rita, WINDOW in flight, until told to stop (bounded).
    const acked: number[] = [];
    let conv = '';
    let reconnectedAt: number | undefined;
    const started = Date.now();
    const load = (async () => {
      for (let i = 0; i < MAX_MESSAGES && Date.now() - started < LOAD_DEADLINE_MS; i += WINDOW) {
        if (reconnectedAt !== undefined && acked.length >= reconnectedAt + AFTER_RECONNECT) break;
        const batch = Array.from({ length: WINDOW }, (_, j) =>
          sender.call('msg', [rita, `load ${i + j}`], 30_000),
        );
        for (const r of await Promise.all(batch)) {
          const data = expectOk(r, 'msg').data;
          conv = data.conv;
          acked.push(data.seq);
        }
      }
    })();

    // Rita reads a while and acknowledges what she has, then her node dies mid-load.
    expect(
      await pollUntil(async () => conv !== '' && seqsIn(before, conv).length >= 40, 30_000),
    ).toBe(true);
    const ackedSeq = Math.max(...seqsIn(before, conv));
    expectOk(await before.call('ack', [conv, ackedSeq]), 'ack');
    // Cursors are written a moment after the reply (section 11: an ack just before a crash
    // may be lost); wait until this one is stored, so the replay after the kill must honour it.
    const stored = await pollUntil(
      async () => (await storedCursor(cluster.databaseUrl, rita)) >= ackedSeq,
      15_000,
    );
    expect(stored, 'the ack reached the database').toBe(true);
    const node = cluster.nodes[1];
    node?.proc.kill('SIGKILL');
    await node?.exited;
    const atKill = acked.length;

    // Her client reconnects to node C at once: no waiting for the dead node's lease (a
    // retry only for the moment Redis takes to see the connection gone).
    const after = await loginWhenFree(port(2), rita, 10_000);
    reconnectedAt = acked.length;
    let synced = (await after.nextEvent('synced', 15_000)).data;
    for (let i = 0; i < 20 && synced.more; i++)
      synced = expectOk(await after.call('sync'), 'sync').data;
    await load;
    expect(acked.length, 'sends were acknowledged after the kill').toBeGreaterThan(atKill);

    const last = Math.max(...acked);
    const gotAll = await pollUntil(async () => seqsIn(after, conv).includes(last), 30_000);
    expect(gotAll, `the last acknowledged message (seq ${last}) reached node C`).toBe(true);
    const resumed = seqsIn(after, conv);
    // One session: every seq above the stored cursor once, ascending, no gap.
    const first = ackedSeq + 1;
    expect(resumed).toEqual(Array.from({ length: last - first + 1 }, (_, k) => first + k));
    // Nothing acknowledged to the sender is missing from what rita's two sessions saw.
    const seen = new Set([...seqsIn(before, conv), ...resumed]);
    expect(acked.filter((s) => !seen.has(s))).toEqual([]);

    // The bystander never reconnected: the dead node's sessions all went with rita's claim.
    expect(await whoBecomes(sender, [sam, rita].sort(byName), 10_000), 'idle went offline').toBe(
      true,
    );
  }, 180_000);
});

/** The order `who` lists users in: by username, case-insensitively. */
function byName(a: string, b: string): number {
  return a.toLowerCase().localeCompare(b.toLowerCase());
}
