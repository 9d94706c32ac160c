// A PostgreSQL outage under a two-node cluster on PostgreSQL and Redis (issue 15): a send is
// answered server_busy, never ok, until the database is back; then the cluster recovers by
// itself and live delivery crosses nodes again.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients } from './client.ts';
import {
  type Cluster,
  clusterSkipReason,
  loginWhenFree,
  seedUser,
  startCluster,
  useClusterServices,
} from './cluster-support.ts';
import { messagesIn } from './stored.ts';
import { codeOf, expectOk, pollUntil, sleep, uniqueName } from './util.ts';

const skipped = clusterSkipReason() !== undefined;
const services = useClusterServices(skipped);
afterEach(closeAllClients);

describe.skipIf(skipped)('a PostgreSQL outage under a two-node cluster', () => {
  let cluster: Cluster;
  const [sue, rob] = [uniqueName('co_sue'), uniqueName('co_rob')];
  beforeAll(async () => {
    cluster = await startCluster(
      services(),
      2,
      [sue, rob].map((u) => seedUser(u)),
    );
  }, 180_000);
  const port = (i: number) => cluster.nodes[i]?.port as number;

  it('answers server_busy while PostgreSQL is down, and the cluster recovers by itself', async () => {
    const sender = await loginWhenFree(port(0), sue);
    const receiver = await loginWhenFree(port(1), rob);
    const first = expectOk(await sender.call('msg', [rob, 'before']), 'msg before').data;
    services().pg.crash();
    const during = [];
    for (let i = 0; i < 3; i++) during.push(codeOf(await sender.call('msg', [rob, `lost ${i}`])));
    expect(during).toEqual(['server_busy', 'server_busy', 'server_busy']);
    await services().pg.restart();
    // The pools reconnect on their own; the first sends may still meet a dead connection.
    let after: Record<string, unknown> | undefined;
    for (let i = 0; i < 60 && after === undefined; i++) {
      const r = await sender.call('msg', [rob, 'after']);
      if (r.ok === true) after = r.data;
      else {
        expect(codeOf(r)).toBe('server_busy');
        await sleep(250);
      }
    }
    expect(after, 'a send succeeded once PostgreSQL was back').toBeDefined();
    expect(after?.seq, 'nothing refused was stored').toBe(first.seq + 1);
    const arrived = await pollUntil(
      async () => messagesIn(receiver.received).some((m) => m.data.text === 'after'),
      15_000,
    );
    expect(arrived, 'live delivery across nodes resumed').toBe(true);
    const texts = messagesIn(receiver.received).map((m) => m.data.text);
    expect(
      texts.filter((t) => String(t).startsWith('lost')),
      'no refused message',
    ).toEqual([]);
  }, 150_000);
});
