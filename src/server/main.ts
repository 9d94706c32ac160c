// Wiring only: config → logger → storage → server → signals.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.ts';
import { databaseFile, openStorage } from '../storage/open.ts';
import { openMode } from '../storage/sqlite/data-dir.ts';
import type { Config } from './config.ts';
import { logListening } from './listening.ts';
import { createLogger } from './logger.ts';
import { serveMetrics } from './metrics/http.ts';
import { startProcessMetrics } from './metrics/process-metrics.ts';
import { renderRegistry } from './metrics/render.ts';
import { prepareDummyHash } from './security/passwords.ts';
import { RESTART_REASON, SuperServer } from './server.ts';
import { openSharedBroker, type Shared } from './shared-broker.ts';

/** The SQLite database file inside the data directory. */
export { databaseFile };

/** Logs one warning when an existing data directory lets others in (the server creates it 0700). */
export function warnIfDataDirOpen(config: Config, log: Logger): void {
  const mode = openMode(config.server.data_dir);
  if (mode === undefined) return;
  log.warn(
    { data_dir: config.server.data_dir, mode },
    'data directory is open to other users; chmod 700 it (the database holds password hashes)',
  );
}

/** The signal that drains the node for a restart: clients get `shutdown {reason: "restart"}`. */
export const DRAIN_SIGNAL = 'SIGUSR2';

/** How a worker of a multi-process server differs from a server that is one process. */
export interface WorkerRole {
  broker: Broker;
  /** Reports the bound ports to the primary, which writes the one listening line. */
  announce(port: number, httpPort: number | undefined): void;
  /** Hands this process's metrics registry to the primary, which serves them merged. */
  exposeMetrics(registry: Registry): void;
}

/** Starts the server (or one worker of it) and resolves once it has stopped; the caller exits 0. */
export async function runServer(config: Config, role?: WorkerRole): Promise<void> {
  const log = createLogger(config.log.level);
  const storage = await openStorage(config, {
    server: true,
    onLostConnection: (err) => log.warn({ err: err.message }, 'lost a PostgreSQL connection'),
  });
  if (!role && config.storage.driver === 'sqlite') warnIfDataDirOpen(config, log);
  // /metrics on the HTTP listener: a single process only (the primary merges the workers').
  const metricsOnHttp = config.http.enabled && config.http.metrics && !role;
  let server: SuperServer | undefined;
  let shared: Shared = {};
  let processMetrics: { stop(): void } | undefined;
  let http: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let port: number;
  let httpPort: number | undefined;
  try {
    if (!role) shared = await openSharedBroker(config, log);
    server = new SuperServer({ config, storage, log, broker: role?.broker, ...shared });
    const { registry } = server.metrics;
    if (config.metrics.enabled || metricsOnHttp) processMetrics = startProcessMetrics(registry);
    // The metrics listener binds first: if it fails, no client listener was opened.
    if (config.metrics.enabled && !role) {
      http = await serveMetrics(config.metrics.host, config.metrics.port, renderRegistry(registry));
    }
    port = await server.listen();
    if (config.http.enabled) {
      httpPort = await server.listenHttp(metricsOnHttp ? renderRegistry(registry) : undefined);
    }
  } catch (err) {
    server?.closeListeners();
    shared.broker?.close();
    processMetrics?.stop();
    http?.server.close();
    await storage.close();
    throw err;
  }
  // Handlers first: a supervisor may signal the moment it reads the listening line, and a
  // signal without a handler would kill the process without the graceful stop.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void server.shutdown(signal, null));
  }
  // SIGUSR2 drains for a restart (SIGUSR1 is Node's: it starts the inspector).
  process.once(DRAIN_SIGNAL, () => void server.shutdown(RESTART_REASON, null));
  if (role) {
    role.exposeMetrics(server.metrics.registry);
    role.announce(port, httpPort);
  } else {
    logListening(config, { port, http_port: httpPort, metrics_port: http?.port });
  }
  // Hash the dummy now, so the first unknown-user login costs what the others do.
  await prepareDummyHash();
  await server.stopped;
  processMetrics?.stop();
  http?.server.close();
}
