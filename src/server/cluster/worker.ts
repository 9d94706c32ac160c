// One worker process of a `--workers N` server: a full server whose broker talks
// to the primary's hub over IPC, and which reports its port and metrics there.
import cluster from 'node:cluster';
import type { Registry } from 'prom-client';
import { ClusterBroker } from '../../broker/cluster-broker.ts';
import {
  type BrokerEnvelope,
  type Channel,
  isBrokerEnvelope,
} from '../../broker/cluster-protocol.ts';
import type { Config } from '../config.ts';
import { runServer } from '../main.ts';
import type { ToPrimary } from './messages.ts';

/** Runs this process as a worker until the server stops. */
export async function runWorker(config: Config): Promise<void> {
  const tell = (message: ToPrimary | BrokerEnvelope) => {
    if (process.connected) process.send?.(message);
  };
  const channel: Channel = {
    send: tell,
    onMessage: (handler) =>
      process.on('message', (m) => {
        if (isBrokerEnvelope(m)) handler(m);
      }),
  };
  let registry: Registry | undefined;
  process.on('message', (m: { t?: string; seq?: number }) => {
    const seq = m?.seq;
    if (m?.t === 'metrics?' && typeof seq === 'number' && registry) {
      // A failed collection goes unanswered: the primary's timeout counts this worker out.
      registry.getMetricsAsJSON().then(
        (metrics) => tell({ t: 'metrics', seq, metrics }),
        () => {},
      );
    }
  });
  // A send racing the primary's exit fails; the 'disconnect' below handles that case.
  process.on('error', () => {});
  // The primary is the supervisor: without it this worker must not linger.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  const broker = new ClusterBroker(channel, {
    primaryPid: process.ppid,
    nodeId: cluster.worker?.id ?? process.pid,
  });
  await broker.start();
  await runServer(config, {
    broker,
    announce: (port, httpPort) => tell({ t: 'listening', port, httpPort }),
    exposeMetrics: (r) => {
      registry = r;
    },
  });
}

/**
 * Hands a start-up failure to the primary instead of printing it, so that N
 * workers failing alike give one line; exits once the message is sent.
 */
export function reportStartFailure(message: string, exitCode: number): void {
  const failed: ToPrimary = { t: 'failed', message, exitCode };
  if (!process.connected || !process.send) process.exit(exitCode);
  process.send(failed, undefined, {}, () => process.exit(exitCode));
}
