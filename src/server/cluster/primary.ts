// The primary of a `--workers N` server: forks the workers (which share the
// listening port through Node's cluster), runs the broker hub between them,
// serves /metrics merged over them all, restarts a worker that crashed, and stops them
// all on a signal or kill_server.
import cluster, { type Worker } from 'node:cluster';
import { rmSync } from 'node:fs';
import { Registry } from 'prom-client';
import { ClusterHub } from '../../broker/cluster-hub.ts';
import { isBrokerEnvelope } from '../../broker/cluster-protocol.ts';
import { peerSocketPath } from '../../broker/peer-links.ts';
import { openStorage } from '../../storage/open.ts';
import type { Config } from '../config.ts';
import { logListening } from '../listening.ts';
import { createLogger } from '../logger.ts';
import { DRAIN_SIGNAL, warnIfDataDirOpen } from '../main.ts';
import { serveMetrics } from '../metrics/http.ts';
import { startProcessMetrics } from '../metrics/process-metrics.ts';
import { type MetricsJson, renderMerged } from '../metrics/render.ts';
import { RESTART_REASON } from '../server.ts';
import type { ToPrimary, ToWorker } from './messages.ts';
import { WorkerStartFailure } from './start-failure.ts';

const START_TIMEOUT_MS = 30_000;
/** How long a worker's exit waits for its `failed` message, which says why, to arrive. */
const FAILED_MESSAGE_GRACE_MS = 500;
const METRICS_TIMEOUT_MS = 1_000;
/** More crashes than this within CRASH_WINDOW_MS and the primary gives up. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;

/** Re-exported for the callers that had it from here. */
export { WorkerStartFailure };

/** Runs the primary until every worker has stopped; resolves with the exit status. */
export async function runPrimary(config: Config): Promise<number> {
  const log = createLogger(config.log.level);
  // Migrate once here, so workers never race to upgrade the schema.
  await (await openStorage(config)).close();
  if (config.storage.driver === 'sqlite') warnIfDataDirOpen(config, log);
  let stopping = false;
  let started = false;
  let status = 0;
  const crashes: number[] = [];
  const hub = new ClusterHub(
    { capacity: config.limits.user_capacity, perUser: config.session.sessions_per_user },
    () => {
      stopping = true;
    },
  );
  const workers = new Map<number, Worker>();
  const metricsWaiters = new Map<number, (m: MetricsJson) => void>();
  let metricsSeq = 0;
  let listening: (port: number, httpPort: number | undefined) => void = () => {};
  let startFailed: (err: Error) => void = () => {};
  let allExited: () => void = () => {};

  // Structured clone carries the frames in broker batches without JSON escaping.
  cluster.setupPrimary({ serialization: 'advanced' });
  const fork = (): void => {
    const worker = cluster.fork();
    workers.set(worker.id, worker);
    hub.attach(worker.id, {
      send: (m) => {
        if (worker.isConnected()) worker.send(m);
      },
      onMessage: (handler) =>
        worker.on('message', (m) => {
          if (isBrokerEnvelope(m)) handler(m);
        }),
    });
    // A batch sent while the worker is exiting fails with EPIPE: the worker is going
    // anyway (its 'exit' cleans up), and an unheard 'error' would kill the primary.
    worker.on('error', (err) => log.debug({ err, worker: worker.id }, 'IPC to a worker failed'));
    worker.on('message', (m: ToPrimary) => {
      if (m?.t === 'listening') listening(m.port, m.httpPort);
      else if (m?.t === 'failed') startFailed(new WorkerStartFailure(m.message, m.exitCode));
      else if (m?.t === 'metrics') metricsWaiters.get(m.seq)?.(m.metrics);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker.id);
      hub.detach(worker.id);
      rmSync(peerSocketPath(process.pid, worker.id), { force: true });
      if (stopping) {
        if (workers.size === 0) allExited();
        return;
      }
      if (!started) {
        // Its `failed` message, if it sent one, says why; this is the fallback.
        const why = new Error(`worker ${worker.id} exited during start-up (code ${code})`);
        setTimeout(() => startFailed(why), FAILED_MESSAGE_GRACE_MS).unref();
        return;
      }
      log.error({ worker: worker.id, code, signal }, 'worker exited; starting another');
      const now = Date.now();
      crashes.push(now);
      while ((crashes[0] ?? now) < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length > MAX_CRASHES) {
        log.fatal({ crashes: crashes.length }, 'workers keep crashing; stopping the server');
        status = 1;
        stop('worker crash loop', null);
        return;
      }
      fork();
    });
  };

  const stop = (reason: string, by: string | null): void => {
    stopping = true;
    hub.shutdownAll(reason, by);
    // Workers drain within shutdown_grace_s; one that hangs is killed after that.
    const force = setTimeout(
      () => {
        for (const w of workers.values()) w.process.kill('SIGKILL');
      },
      (config.server.drain_delay_s + config.server.shutdown_grace_s) * 1000 + 3_000,
    );
    force.unref();
  };

  // The primary's own process figures (CPU, memory, GC, lag) join the workers' in the merge.
  const own = new Registry();
  const ownMetrics = config.metrics.enabled ? startProcessMetrics(own) : undefined;
  // Each worker's registry as JSON over our IPC, merged by prom-client's AggregatorRegistry.
  // (AggregatorRegistry.clusterMetrics() cannot add the primary's own figures, and one slow
  // worker fails its whole scrape after 5 s; here a worker late by 1 s is left out.)
  const collect = async (): Promise<MetricsJson[]> => {
    const parts = await Promise.all(
      [...workers.values()].map(
        (w) =>
          new Promise<MetricsJson>((resolve) => {
            const seq = ++metricsSeq;
            // A worker that does not answer in time counts as empty; its late answer is dropped.
            const timer = setTimeout(() => {
              metricsWaiters.delete(seq);
              resolve([]);
            }, METRICS_TIMEOUT_MS);
            metricsWaiters.set(seq, (m) => {
              clearTimeout(timer);
              metricsWaiters.delete(seq);
              resolve(m);
            });
            if (w.isConnected()) w.send({ t: 'metrics?', seq } satisfies ToWorker);
          }),
      ),
    );
    return [...parts, await own.getMetricsAsJSON()];
  };

  const exited = new Promise<void>((resolve) => {
    allExited = resolve;
  });
  // Workers share both ports through the cluster module, so every one reports the same.
  let httpPort: number | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    let listeningWorkers = 0;
    const timer = setTimeout(
      () => reject(new Error('workers did not start listening in time')),
      START_TIMEOUT_MS,
    );
    listening = (p, h) => {
      httpPort = h;
      listeningWorkers++;
      if (listeningWorkers === config.server.workers) {
        clearTimeout(timer);
        resolve(p);
      }
    };
    startFailed = (err) => {
      clearTimeout(timer);
      reject(err);
    };
    for (let i = 0; i < config.server.workers; i++) fork();
  }).catch((err: Error) => {
    stopping = true;
    for (const w of workers.values()) w.process.kill('SIGTERM');
    throw err;
  });
  started = true;
  listening = () => {};
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => stop(signal, null));
  }
  process.once(DRAIN_SIGNAL, () => stop(RESTART_REASON, null));
  const http = config.metrics.enabled
    ? await serveMetrics(config.metrics.host, config.metrics.port, renderMerged(collect))
    : undefined;
  logListening(config, {
    port,
    http_port: httpPort,
    metrics_port: http?.port,
    workers: config.server.workers,
  });
  await exited;
  ownMetrics?.stop();
  http?.server.close();
  log.info({ status }, 'all workers stopped');
  return status;
}
