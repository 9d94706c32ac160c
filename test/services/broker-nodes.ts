// Brokers for the broker tests: several nodes of one implementation that share
// presence (the cluster hub through in-memory pipes; one real Redis), each node
// recording the commands it receives.
import type { Broker, NodeCommand, SessionCaps } from '../../src/broker/broker.ts';
import { ClusterBroker } from '../../src/broker/cluster-broker.ts';
import { ClusterHub } from '../../src/broker/cluster-hub.ts';
import type { BrokerEnvelope, Channel } from '../../src/broker/cluster-protocol.ts';
import { RedisBroker } from '../../src/broker/redis.ts';

/** One node's broker and what arrived at it. */
export interface TestNode {
  broker: Broker;
  got: NodeCommand[];
  resyncs: number;
}

/** Several nodes on one shared presence, and a way to make one of them die. */
export interface TestCluster {
  nodes: TestNode[];
  /** Node i dies without a word (process gone): its sessions must stop counting. */
  kill(i: number): void;
  /** Shutdown reasons the primary saw (cluster only). */
  shutdowns: string[];
}

export const alice = { id: 1, username: 'Alice' };
export const bob = { id: 2, username: 'bob' };
export const carol = { id: 3, username: 'carol' };

/**
 * Two ends of an in-memory pipe that copies each message and delivers it a turn
 * later, like IPC; `slowToNodeMs` holds back, in order, what the hub end sends.
 */
export function pipe(slowToNodeMs = 0): [Channel, Channel] {
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
export const settle = async () => {
  for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r));
};

/** Polls until `check` holds (bounded: 10 s), for what crosses a real network. */
export async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached in 10 s');
}

function record(broker: Broker): TestNode {
  const node: TestNode = { broker, got: [], resyncs: 0 };
  broker.onCommand((c) => node.got.push(c));
  broker.onResync?.(() => node.resyncs++);
  return node;
}

/** A hub with `n` attached worker brokers. */
export function clusterNodes(caps: SessionCaps, n = 2): TestCluster & { hub: ClusterHub } {
  const shutdowns: string[] = [];
  const hub = new ClusterHub(caps, (reason) => shutdowns.push(reason));
  const nodes = Array.from({ length: n }, (_, i) => {
    const [hubEnd, nodeEnd] = pipe();
    hub.attach(i + 1, hubEnd);
    return record(new ClusterBroker(nodeEnd));
  });
  return { hub, nodes, shutdowns, kill: (i) => hub.detach(i + 1) };
}

let redisRun = 0;

/** Every Redis broker the tests made, to close after each test. */
export const openRedisBrokers = new Set<RedisBroker>();

/** `n` Redis brokers on a fresh key prefix of the Redis at `url`. */
export async function redisNodes(
  url: string,
  caps: SessionCaps,
  n = 2,
  heartbeatTimeoutMs = 1_000,
): Promise<TestCluster & { brokers: RedisBroker[]; prefix: string }> {
  const prefix = `t${process.pid}.${++redisRun}:`;
  const brokers = Array.from(
    { length: n },
    (_, i) => new RedisBroker({ url, caps, nodeId: `node${i + 1}`, heartbeatTimeoutMs, prefix }),
  );
  for (const b of brokers) openRedisBrokers.add(b);
  await Promise.all(brokers.map((b) => b.start()));
  return {
    prefix,
    brokers,
    nodes: brokers.map(record),
    shutdowns: [],
    kill: (i) => brokers[i]?.crash(),
  };
}

/** Closes the Redis brokers of the last test. */
export function closeRedisBrokers(): void {
  for (const b of openRedisBrokers) b.close();
  openRedisBrokers.clear();
}
