// A fresh data directory per run: the config file that lifts flood controls
// and the benchmark accounts, written straight into the database.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { normalizePassword } from '../../src/server/security/password-policy.ts';
import { hashPassword } from '../../src/server/security/passwords.ts';
import { openPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { Storage } from '../../src/storage/storage.ts';

/** The password of every benchmark account (plain ASCII, so NFKC leaves it as is). */
export const BENCH_PASSWORD = 'bench-password-123';
/** The admin account that sends kill_server in the fanout scenario. */
export const ADMIN_NAME = 'benchadmin';

/** The username of benchmark client `index` (0-based): u00001, u00002, … */
export function userName(index: number): string {
  return `u${String(index + 1).padStart(5, '0')}`;
}

/** A temp root with a `data` directory in it; `remove` deletes both. */
export interface RunDir {
  root: string;
  dataDir: string;
  remove(): void;
}

/** Run directories not removed yet; removed at exit too (e.g. after the hard timeout). */
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

/** Makes a fresh temp directory for one run. */
export function makeRunDir(): RunDir {
  const root = mkdtempSync(join(os.tmpdir(), 'super-bench-'));
  liveDirs.add(root);
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const remove = () => {
    rmSync(root, { recursive: true, force: true });
    liveDirs.delete(root);
  };
  return { root, dataDir, remove };
}

/** How the server stores messages in a run (see BenchOptions.store and .sync). */
export interface StorageChoice {
  store: 'on' | 'off';
  sync: 'normal' | 'full';
}

/** Where the run's nodes store and broker: PostgreSQL and Redis when set (services.ts). */
export interface ClusterChoice {
  postgresUrl: string | undefined;
  redis: { url: string; prefix: string } | undefined;
  /** broker.heartbeat_timeout_s with Redis; undefined: the server's default. */
  heartbeatTimeoutS: number | undefined;
}

/** The storage and broker settings of the config for `cluster`; none for SQLite alone. */
function clusterConfig(cluster: ClusterChoice | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (cluster?.postgresUrl) out.storage = { driver: 'postgres', postgres_url: cluster.postgresUrl };
  if (cluster?.redis) {
    const broker: Record<string, unknown> = {
      driver: 'redis',
      redis_url: cluster.redis.url,
      redis_prefix: cluster.redis.prefix,
    };
    if (cluster.heartbeatTimeoutS !== undefined) {
      broker.heartbeat_timeout_s = cluster.heartbeatTimeoutS;
    }
    out.broker = broker;
  }
  return out;
}

/**
 * Writes the benchmark's server config for `clients` clients into `root` (on PostgreSQL and
 * Redis when `cluster` says so); returns its path.
 */
export function writeBenchConfig(
  root: string,
  clients: number,
  storage: StorageChoice,
  cluster?: ClusterChoice,
): string {
  // Flood controls lifted: every benchmark client connects from 127.0.0.1 and
  // sends far faster than a person, so the per-connection rate limits (chat,
  // default, auth) and the connection caps would measure the limiter instead of
  // the server. hash_concurrency and hash_queue keep their defaults on purpose:
  // the login storm measures them, and setup logins retry server_busy.
  const unlimited = { points: 1_000_000_000, duration_s: 1, burst_points: 0, burst_duration_s: 1 };
  const cap = clients * 2 + 100;
  const config = {
    rate_limits: { chat: unlimited, default: unlimited, auth: unlimited },
    limits: {
      max_connections: cap,
      max_unauthenticated: cap,
      max_unauthenticated_per_ip: cap,
      user_capacity: cap,
    },
    session: { hello_ttl_s: 120 },
    // store false is the in-memory reference path, for comparison only (not for production).
    messages: { store: storage.store === 'on' },
    storage: { sync: storage.sync },
  };
  const { storage: pgStorage, broker } = clusterConfig(cluster);
  if (pgStorage) Object.assign(config.storage, pgStorage);
  if (broker) Object.assign(config, { broker });
  const file = join(root, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

let hashOnce: Promise<string> | undefined;

/** One real argon2id hash of BENCH_PASSWORD, computed once per process and shared by all users. */
export function benchPasswordHash(): Promise<string> {
  hashOnce ??= hashPassword(normalizePassword(BENCH_PASSWORD));
  return hashOnce;
}

/** Where accounts are seeded: the data directory's SQLite, or the run's PostgreSQL database. */
export interface SeedTarget {
  dataDir: string;
  postgresUrl?: string | undefined;
}

/** Opens the target's (or a data directory's) storage through the server's own class. */
function openSeedStorage(where: SeedTarget | string): Promise<Storage> | Storage {
  const target = typeof where === 'string' ? { dataDir: where } : where;
  if (target.postgresUrl) return openPostgresStorage({ url: target.postgresUrl, poolMax: 4 });
  return openSqliteStorage(join(target.dataDir, 'super-server.db'));
}

/** Creates users u00001…u<count> (and the admin when asked) before the server starts. */
export async function seedUsers(
  target: SeedTarget | string,
  count: number,
  withAdmin: boolean,
): Promise<void> {
  const passwordHash = await benchPasswordHash();
  const storage = await openSeedStorage(target);
  try {
    const createdAt = new Date().toISOString();
    const base = { phone: null, passwordHash, createdAt, pendingUntil: null };
    if (withAdmin) {
      const email = `${ADMIN_NAME}@bench.invalid`;
      await storage.createUser({ ...base, username: ADMIN_NAME, email, level: 'admin' });
    }
    for (let i = 0; i < count; i++) {
      const username = userName(i);
      const email = `${username}@bench.invalid`;
      await storage.createUser({ ...base, username, email, level: 'basic' });
    }
  } finally {
    await storage.close();
  }
}

/** Adds one basic user (e.g. the group-fanout sender) to a seeded database; it joins #global. */
export async function seedExtraUser(target: SeedTarget | string, username: string): Promise<void> {
  const passwordHash = await benchPasswordHash();
  const storage = await openSeedStorage(target);
  try {
    await storage.createUser({
      username,
      email: `${username}@bench.invalid`,
      phone: null,
      passwordHash,
      createdAt: new Date().toISOString(),
      pendingUntil: null,
      level: 'basic',
    });
  } finally {
    await storage.close();
  }
}
