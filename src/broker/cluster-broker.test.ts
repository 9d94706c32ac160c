// What only the cluster broker (--workers) does: the hub's view of shutdowns,
// replicas that lag behind the hub, late joiners, and the direct links.
import { describe, expect, it } from 'vitest';
import { bob, clusterNodes, pipe, settle } from '../../test/services/broker-nodes.ts';
import type { NodeCommand } from './broker.ts';
import { ClusterBroker } from './cluster-broker.ts';
import { ClusterHub } from './cluster-hub.ts';
import type { Channel } from './cluster-protocol.ts';
import { PeerLinks } from './peer-links.ts';

describe('ClusterHub', () => {
  it('runs its own shutdown when a worker asks every node to stop', async () => {
    const { nodes, shutdowns } = clusterNodes({ perUser: 1, capacity: 10 });
    nodes[1]?.broker.send({ kind: 'shutdown', reason: 'bench', by: 'root' });
    await settle();
    expect(shutdowns).toEqual(['bench']);
  });

  it('asks the hub about a user its replica has not heard of yet', async () => {
    const hub = new ClusterHub({ perUser: 1, capacity: 10 });
    const [slowHub, slowNode] = pipe(40);
    const [fastHub, fastNode] = pipe();
    hub.attach(1, slowHub);
    hub.attach(2, fastHub);
    const lagging = new ClusterBroker(slowNode);
    const other = new ClusterBroker(fastNode);
    expect(await other.claim(bob)).toBe('ok');
    // The broadcast of bob's login is still on its way to the lagging worker.
    expect(await lagging.find('BOB')).toEqual({ ...bob, sessions: 1 });
    expect(await lagging.find('nobody')).toBeUndefined();
  });

  it('gives a worker that joins late the current presence list', async () => {
    const { hub, nodes } = clusterNodes({ perUser: 1, capacity: 10 }, 1);
    await nodes[0]?.broker.claim(bob);
    const [hubEnd, nodeEnd] = pipe();
    hub.attach(9, hubEnd);
    const late = new ClusterBroker(nodeEnd);
    await settle();
    expect(await late.find('BOB')).toEqual({ ...bob, sessions: 1 });
  });
});

describe('ClusterBroker direct links', () => {
  it('delivers to the worker holding the user over a direct socket, not through the hub', async () => {
    const hub = new ClusterHub({ perUser: 1, capacity: 10 });
    const hubSaw: string[] = [];
    const primaryPid = 900_000 + (process.pid % 1000);
    const workers = [1, 2].map((nodeId) => {
      const [hubEnd, nodeEnd] = pipe();
      const watched: Channel = {
        send: hubEnd.send,
        onMessage: (h) =>
          hubEnd.onMessage((m) => {
            for (const item of m.broker) if (item.t === 'cmd') hubSaw.push(item.cmd.kind);
            h(m);
          }),
      };
      hub.attach(nodeId, watched);
      const broker = new ClusterBroker(nodeEnd, { primaryPid, nodeId });
      const got: NodeCommand[] = [];
      broker.onCommand((c) => got.push(c));
      return { broker, got };
    });
    const [a, b] = workers as [(typeof workers)[0], (typeof workers)[0]];
    try {
      await Promise.all(workers.map((w) => w.broker.start()));
      await b.broker.claim(bob);
      await settle();
      await new Promise((r) => setTimeout(r, 50)); // the links connect
      const frames = ['{"one":"ü 🎉"}\n', '{"two":2}\n'];
      for (const frame of frames) a.broker.send({ kind: 'deliver', userId: bob.id, frame });
      for (let i = 0; i < 50 && b.got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(b.got).toEqual(frames.map((frame) => ({ kind: 'deliver', userId: bob.id, frame })));
      expect(hubSaw).toEqual([]);
      // A user nobody holds goes through the hub, which drops it.
      a.broker.send({ kind: 'deliver', userId: 77, frame: 'x\n' });
      await settle();
      expect(hubSaw).toEqual(['deliver']);
    } finally {
      for (const w of workers) w.broker.close();
    }
  });
});

describe('PeerLinks', () => {
  it('asks the sender to wait past the high-water mark and delivers everything in order', async () => {
    const primaryPid = 910_000 + (process.pid % 1000);
    const got: string[] = [];
    const receiver = new PeerLinks(primaryPid, 2, (userId, frame) =>
      got.push(`${userId}:${frame}`),
    );
    const sender = new PeerLinks(primaryPid, 1, () => {});
    try {
      await receiver.listen();
      sender.connectTo([1, 2]);
      for (let i = 0; i < 50 && !sender.reaches([2]); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(sender.reaches([1, 2])).toBe(true);
      const frame = `{"text":"${'x'.repeat(1_000)}"}\n`;
      let waits: Promise<void> | undefined;
      let count = 0;
      while (!waits) {
        waits = sender.deliver(2, count, frame);
        count++;
      }
      expect(count).toBeGreaterThan(200); // about 256 KiB before it asks to wait
      await waits;
      for (let i = 0; i < 200 && got.length < count; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(got).toEqual(Array.from({ length: count }, (_, i) => `${i}:${frame}`));
    } finally {
      sender.close();
      receiver.close();
    }
  });
});
