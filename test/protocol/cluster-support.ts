// Several real server nodes on one PostgreSQL database and one Redis (issue 15): each file
// starts PostgreSQL and Redis once (useClusterServices), then clusters of N processes, each
// with its own --node-id, seeded with accounts through `user add` on the same database.
// Without PostgreSQL or Redis a suite skips with one line; under CI the helpers throw instead.
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { type PostgresService, postgresMissing, startPostgres } from '../services/postgres.ts';
import { type RedisService, redisMissing, startRedis } from '../services/redis.ts';
import { closeAllClients, loginClient, type TestClient } from './client.ts';
import {
  BASE_CONFIG,
  cleanup,
  makeTempDir,
  runCli,
  type SeedUser,
  type ServerHandle,
  startServer,
  writeConfig,
} from './harness.ts';
import { deepMerge, emailFor, expectOk, PASSWORD, pollUntil, sleep } from './util.ts';

/** Why the cluster suites cannot run here, printed as one line; undefined when they can. */
export function clusterSkipReason(): string | undefined {
  const missing = [postgresMissing(), redisMissing()].filter((why) => why !== undefined);
  if (missing.length === 0) return undefined;
  const why = missing.join('; ');
  console.log(`cluster suites skipped: ${why}`);
  return why;
}

/** The file's PostgreSQL and Redis, started once in beforeAll. */
export interface ClusterServices {
  pg: PostgresService;
  redis: RedisService;
}

/** Starts PostgreSQL and Redis for the file (unless skipped); stops them and every node after. */
export function useClusterServices(skipped: boolean): () => ClusterServices {
  let services: ClusterServices | undefined;
  beforeAll(async () => {
    if (skipped) return;
    const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    services = { pg, redis };
  }, 120_000);
  afterAll(async () => {
    closeAllClients();
    try {
      await cleanup();
    } finally {
      services?.pg.stop();
      await services?.redis.stop();
    }
  });
  return () => {
    if (!services) throw new Error('cluster services not started');
    return services;
  };
}

/** Nodes of one cluster: same database, same Redis prefix. */
export interface Cluster {
  nodes: ServerHandle[];
  /** The PostgreSQL database every node stores in. */
  databaseUrl: string;
  /** Starts node `i` again (same config and --node-id, a new port) after it exited. */
  restart(i: number): Promise<ServerHandle>;
  /** Stops every node still running. */
  stop(): Promise<void>;
}

let clusters = 0;

/** An account for a cluster: the test password, its own email. */
export function seedUser(username: string, level?: string): SeedUser {
  return { username, email: emailFor(username), password: PASSWORD, level };
}

/**
 * Starts `n` nodes (ids c<k>-1 … c<k>-n) on a fresh database of `services` and a fresh Redis
 * prefix, after seeding `users` into that database; `extra` is merged into the config.
 */
export async function startCluster(
  services: ClusterServices,
  n: number,
  users: SeedUser[],
  extra: Record<string, unknown> = {},
): Promise<Cluster> {
  const run = ++clusters;
  const databaseUrl = await services.pg.createDatabase();
  const config = deepMerge(
    {
      storage: { driver: 'postgres', postgres_url: databaseUrl },
      broker: { driver: 'redis', redis_url: services.redis.url, redis_prefix: `c${run}:` },
      // The test clients only read while they wait and send no heartbeat: on a loaded machine
      // a wait can pass the default 15 s, and these suites test nodes, not idle clients.
      session: { heartbeat_interval_s: 30, heartbeat_timeout_s: 300 },
    },
    extra,
  );
  // `user add` reads the same storage settings; it also runs the migrations once.
  const configPath = writeConfig(makeTempDir().root, deepMerge(BASE_CONFIG, config));
  for (const u of users) {
    const args = ['user', 'add', u.username, '--email', u.email, '--password-stdin'];
    if (u.level !== undefined) args.push('--level', u.level);
    const r = await runCli([...args, '--config', configPath], { stdin: `${u.password}\n` });
    if (r.code !== 0) throw new Error(`user add ${u.username} failed: ${r.stderr}${r.stdout}`);
  }
  // Several server processes starting at once on a loaded machine: give each longer than the default.
  const startNode = (i: number) =>
    startServer({ config, args: ['--node-id', `c${run}-${i + 1}`], listenTimeoutMs: 60_000 });
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startNode(i)));
  return {
    nodes,
    databaseUrl,
    restart: async (i) => {
      const node = await startNode(i);
      nodes[i] = node;
      return node;
    },
    stop: async () => void (await Promise.all(nodes.map((s) => s.stop()))),
  };
}

/** The usernames `who` lists on the node `c` is connected to. */
export async function whoOn(c: TestClient): Promise<string[]> {
  const who = expectOk(await c.call('who'), 'who').data;
  return who.users.map((u: { username: string }) => u.username);
}

/** Polls (bounded by `timeoutMs`) until `who` seen by `c` equals `expected`; true if it did. */
export function whoBecomes(c: TestClient, expected: string[], timeoutMs = 15_000) {
  const want = JSON.stringify(expected);
  return pollUntil(async () => JSON.stringify(await whoOn(c)) === want, timeoutMs, 100);
}

/**
 * Logs `username` in on `port`, retrying (bounded by `timeoutMs`) while the cluster still
 * holds an old session of theirs, e.g. on a node that died and whose lease has not run out.
 */
export async function loginWhenFree(port: number, username: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await loginClient(port, username, PASSWORD);
    } catch (err) {
      if (Date.now() > end || !String(err).includes('already_logged_in')) throw err;
      await sleep(200);
    }
  }
}

/** The highest delivery cursor stored for `username` in any conversation. */
export async function storedCursor(databaseUrl: string, username: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT coalesce(max(m.delivered_seq), 0) AS seq FROM conv_members m
       JOIN users u ON u.id = m.user_id WHERE u.username = $1`,
      [username],
    );
    return Number(rows[0]?.seq ?? 0);
  } finally {
    await client.end();
  }
}
