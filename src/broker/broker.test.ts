// One contract for every Broker (memory; the cluster broker through its hub), then
// what only a broker of several nodes must do.
import { describe, expect, it } from 'vitest';
import type { Broker, NodeCommand, SessionCaps } from './broker.ts';
import { ClusterBroker } from './cluster-broker.ts';
import { ClusterHub } from './cluster-hub.ts';
import type { BrokerEnvelope, Channel } from './cluster-protocol.ts';
import { MemoryBroker } from './memory.ts';
import { PeerLinks } from './peer-links.ts';

/**
 * Two ends of an in-memory pipe that copies each message and delivers it a turn
 * later, like IPC; `slowToNodeMs` holds back, in order, what the hub end sends.
 */
function pipe(slowToNodeMs = 0): [Channel, Channel] {
  const handlers: Array<Array<(m: BrokerEnvelope) => void>> = [[], []];
  let lastDue = 0;
  const end = (me: number): Channel => ({
    send: (m) => {
      const copy = structuredClone(m);
      const deliver = () => {
        for (const h of handlers[1 - me] ?? []) h(copy);
      };
      if (me === 0 && slowToNodeMs > 0) {
        lastDue = Math.max(lastDue, Date.now() + slowToNodeMs);
        setTimeout(deliver, lastDue - Date.now());
      } else setImmediate(deliver);
    },
    onMessage: (h) => handlers[me]?.push(h),
  });
  return [end(0), end(1)];
}

/** Lets batches cross the pipes both ways. */
const settle = async () => {
  for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r));
};

/** A hub with `n` attached worker brokers. */
function cluster(caps: SessionCaps, n = 2) {
  const shutdowns: string[] = [];
  const hub = new ClusterHub(caps, (reason) => shutdowns.push(reason));
  const nodes = Array.from({ length: n }, (_, i) => {
    const [hubEnd, nodeEnd] = pipe();
    hub.attach(i + 1, hubEnd);
    const broker = new ClusterBroker(nodeEnd);
    const got: NodeCommand[] = [];
    broker.onCommand((c) => got.push(c));
    return { broker, got };
  });
  return { hub, nodes, shutdowns };
}

const alice = { id: 1, username: 'Alice' };
const bob = { id: 2, username: 'bob' };
const carol = { id: 3, username: 'carol' };

const implementations: Array<[string, (caps: SessionCaps) => Broker]> = [
  ['MemoryBroker', (caps) => new MemoryBroker(caps)],
  ['ClusterBroker', (caps) => (cluster(caps, 1).nodes[0] as { broker: Broker }).broker],
];

describe.each(implementations)('%s (the Broker contract)', (_name, make) => {
  it('grants sessions within the per-user and total caps and gives them back', async () => {
    const broker = make({ perUser: 1, capacity: 2 });
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
    const broker = make({ perUser: 2, capacity: 10 });
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

describe('ClusterHub with two workers', () => {
  it('holds one session per user and the total cap across workers', async () => {
    const { nodes } = cluster({ perUser: 1, capacity: 2 });
    const [a, b] = [nodes[0]?.broker, nodes[1]?.broker] as [Broker, Broker];
    expect(await a.claim(alice)).toBe('ok');
    expect(await b.claim(alice)).toBe('already_logged_in');
    expect(await b.claim(bob)).toBe('ok');
    expect(await a.claim(carol)).toBe('server_busy');
    await settle();
    expect((await a.list(10)).users).toEqual([alice, bob]);
    expect((await b.list(10)).users).toEqual([alice, bob]);
    // A release on another worker than the claim's does not free the slot.
    b.release(alice);
    await settle();
    expect(await b.find('alice')).toEqual({ ...alice, sessions: 1 });
  });

  it('routes user commands only to the other workers holding the user, shutdown to all', async () => {
    const { nodes, shutdowns } = cluster({ perUser: 2, capacity: 10 }, 3);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    await a.broker.claim(alice);
    await b.broker.claim(alice);
    a.broker.send({ kind: 'deliver', userId: alice.id, frame: 'hi\n' });
    a.broker.send({ kind: 'end', userId: bob.id, reason: 'kicked' });
    b.broker.send({ kind: 'shutdown', reason: 'bench', by: 'root' });
    await settle();
    expect(a.got).toEqual([{ kind: 'shutdown', reason: 'bench', by: 'root' }]);
    expect(b.got).toEqual([{ kind: 'deliver', userId: alice.id, frame: 'hi\n' }]);
    expect(c.got).toEqual([{ kind: 'shutdown', reason: 'bench', by: 'root' }]);
    expect(shutdowns).toEqual(['bench']);
  });

  it('drops the sessions of a worker that went away', async () => {
    const { hub, nodes } = cluster({ perUser: 1, capacity: 10 });
    const [a, b] = [nodes[0]?.broker, nodes[1]?.broker] as [Broker, Broker];
    await a.claim(alice);
    await b.claim(bob);
    hub.detach(1);
    await settle();
    expect((await b.list(10)).users).toEqual([bob]);
    expect(await b.claim(alice)).toBe('ok');
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
    const { hub, nodes } = cluster({ perUser: 1, capacity: 10 }, 1);
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
