// Wiring only: config → logger → storage → server → signals.
import { join } from 'node:path';
import { pino } from 'pino';
import { openSqliteStorage } from '../storage/sqlite/sqlite-storage.ts';
import type { Config } from './config.ts';
import { createLogger } from './logger.ts';
import { serveMetrics } from './metrics/http.ts';
import { LagSampler } from './metrics/lag-sampler.ts';
import { withProcessFigures } from './metrics/metrics.ts';
import { prepareDummyHash } from './security/passwords.ts';
import { SuperServer } from './server.ts';

/** The database file inside the data directory. */
export function databaseFile(config: Config): string {
  return join(config.server.data_dir, 'super-server.db');
}

/** Starts the server and resolves once it has stopped; the caller exits 0. */
export async function runServer(config: Config): Promise<void> {
  const log = createLogger(config.log.level);
  const storage = openSqliteStorage(databaseFile(config));
  let server: SuperServer;
  let port: number;
  try {
    server = new SuperServer({ config, storage, log });
    port = await server.listen();
  } catch (err) {
    await storage.close();
    throw err;
  }
  const metrics = await startMetrics(config, server);
  // Handlers first: a supervisor may signal the moment it reads the listening line, and a
  // signal without a handler would kill the process without the graceful stop.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void server.shutdown(signal, null));
  }
  // The listening line is the start-up contract: written whatever the log level.
  pino({ base: { service: 'super-server' } }).info(
    {
      host: config.server.host,
      port,
      tls: config.tls.cert_file !== '',
      data_dir: config.server.data_dir,
      metrics_port: metrics?.port,
    },
    'listening',
  );
  // Hash the dummy now, so the first unknown-user login costs what the others do.
  await prepareDummyHash();
  await server.stopped;
  metrics?.close();
}

/** Serves /metrics for this process when config enables it; resolves with the bound port. */
async function startMetrics(
  config: Config,
  server: SuperServer,
): Promise<{ port: number; close(): void } | undefined> {
  if (!config.metrics.enabled) return undefined;
  const lag = new LagSampler();
  lag.start();
  const collect = async () =>
    withProcessFigures({ ...server.snapshot(), lagCounts: [...lag.counts], lagSumS: lag.sumS });
  const http = await serveMetrics(config.metrics.host, config.metrics.port, collect);
  return {
    port: http.port,
    close: () => {
      lag.stop();
      http.server.close();
    },
  };
}
