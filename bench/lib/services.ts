// The PostgreSQL and Redis a bench run stores in and brokers through: real
// processes started once per bench (through test/services/*.ts, in temp dirs on
// loopback ports), a fresh database and a fresh Redis prefix for every run, and
// stopped when the bench exits.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import {
  type PostgresService,
  postgresMissing,
  startPostgres,
} from '../../test/services/postgres.ts';
import { type RedisService, redisBinary, startRedis } from '../../test/services/redis.ts';

/** The services one run uses: its database URL and Redis URL and prefix, when it uses them. */
export interface RunServices {
  postgresUrl: string | undefined;
  redis: { url: string; prefix: string } | undefined;
  /** The pids to measure: the postmaster (its children are the backends) and redis-server. */
  pids(): { postgres: number | undefined; redis: number | undefined };
  /** Drops the run's database (the nodes are stopped by then). */
  release(): Promise<void>;
}

let postgres: Promise<PostgresService> | undefined;
let redis: Promise<RedisService> | undefined;
let started: { pg?: PostgresService; redis?: RedisService } = {};
let runs = 0;

/** The bench's PostgreSQL, started on first use with stock durability (fsync on). */
function benchPostgres(): Promise<PostgresService> {
  const missing = postgresMissing();
  if (missing) throw new Error(`--storage postgres: ${missing}`);
  postgres ??= startPostgres({ durable: true }).then((service) => {
    started.pg = service;
    return service;
  });
  return postgres;
}

/** The bench's redis-server, started on first use (no persistence). */
function benchRedis(): Promise<RedisService> {
  if (!redisBinary()) throw new Error('--broker redis: redis-server is not installed');
  redis ??= startRedis().then((service) => {
    started.redis = service;
    return service;
  });
  return redis;
}

/** Starts what a run needs (on first use) and gives it a fresh database and Redis prefix. */
export async function runServices(want: {
  postgres: boolean;
  redis: boolean;
}): Promise<RunServices> {
  const run = ++runs;
  const [pgService, redisService] = await Promise.all([
    want.postgres ? benchPostgres() : undefined,
    want.redis ? benchRedis() : undefined,
  ]);
  const postgresUrl = pgService ? await pgService.createDatabase() : undefined;
  return {
    postgresUrl,
    redis: redisService ? { url: redisService.url, prefix: `bench${run}:` } : undefined,
    pids: () => ({ postgres: pgService?.pid(), redis: redisService?.pid() }),
    async release() {
      if (!pgService || !postgresUrl) return;
      const name = new URL(postgresUrl).pathname.slice(1);
      const client = new pg.Client({ connectionString: pgService.url });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Stops the services and removes PostgreSQL's directory (run at exit; synchronous enough). */
export function stopServices(): void {
  const { pg: pgService, redis: redisService } = started;
  started = {};
  if (pgService) {
    pgService.stop();
    try {
      // The postmaster may still be removing its own files for a moment after pg_ctl returns.
      rmSync(dirname(pgService.dataDir), { recursive: true, force: true, maxRetries: 5 });
    } catch (err) {
      console.error(`bench: PostgreSQL's directory was not removed: ${String(err)}`);
    }
  }
  if (redisService) {
    // At exit nothing can wait for a SIGTERM to end it, and a redis-server still writing its
    // log as it goes keeps the directory from being removed: it holds nothing (no persistence),
    // so it is killed outright.
    const pid = redisService.pid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    try {
      rmSync(redisService.dir, { recursive: true, force: true, maxRetries: 5 });
    } catch (err) {
      console.error(`bench: Redis's directory was not removed: ${String(err)}`);
    }
  }
}

process.on('exit', stopServices);
