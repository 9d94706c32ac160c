// Opens the storage the configuration names: SQLite in the data directory (the default) or
// PostgreSQL at storage.postgres_url.
import { join } from 'node:path';
import type { Config } from '../server/config.ts';
import { openSqliteStorage } from './sqlite/sqlite-storage.ts';
import type { Storage } from './storage.ts';

/** The SQLite database file inside the data directory. */
export function databaseFile(config: Config): string {
  return join(config.server.data_dir, 'super-server.db');
}

/**
 * Opens and migrates the configured storage. `server` opens it for a serving process (SQLite
 * checkpoints in a background thread); `onLostConnection` hears a PostgreSQL connection drop.
 */
export async function openStorage(
  config: Config,
  opts: { server?: boolean; onLostConnection?: (err: Error) => void } = {},
): Promise<Storage> {
  if (config.storage.driver === 'postgres') {
    // Loaded only here: a SQLite server never loads pg.
    const { openPostgresStorage } = await import('./postgres/postgres-storage.ts');
    return openPostgresStorage({
      url: config.storage.postgres_url,
      poolMax: config.storage.postgres_pool_max,
      statementTimeoutMs: config.storage.postgres_statement_timeout_s * 1000,
      onError: opts.onLostConnection,
    });
  }
  return openSqliteStorage(databaseFile(config), {
    sync: config.storage.sync,
    backgroundCheckpoints: opts.server === true,
  });
}
