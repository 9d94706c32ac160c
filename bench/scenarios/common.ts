// What every scenario run shares: a fresh data directory and database, the
// seeded accounts, a server process, and the generator threads logged in.
import { writeBaselineAccounts } from '../lib/baseline-accounts.ts';
import { type Endpoint, nowUs, sleep } from '../lib/bench-client.ts';
import type { BenchOptions } from '../lib/options.ts';
import { threadsFor } from '../lib/options.ts';
import { LoadPool } from '../lib/pool.ts';
import type { RunOutcome } from '../lib/report.ts';
import { BENCH_PASSWORD, makeRunDir, seedUsers, writeBenchConfig } from '../lib/seed.ts';
import { type BenchServer, startServer } from '../lib/server.ts';

/** What a scenario body gets: the running server and the seeding time. */
export interface RunEnv {
  options: BenchOptions;
  clients: number;
  server: BenchServer;
  seedSeconds: number;
}

/** A scenario: one run with `clients` clients. */
export type Scenario = (options: BenchOptions, clients: number) => Promise<RunOutcome>;

/** Fills the database after the users are seeded, before the server starts; returns figures. */
export type Prepare = (dataDir: string) => Promise<Record<string, number>>;

/**
 * Seeds `clients` users (and the admin when asked) into a fresh database,
 * runs `prepare` when given, starts the run's server (options.target) on it
 * (with the run's --store and --sync; the baseline gets the accounts as a
 * file), runs `body`, then stops the server and removes the directory
 * whatever happened.
 */
export async function withServer(
  options: BenchOptions,
  clients: number,
  withAdmin: boolean,
  body: (env: RunEnv) => Promise<RunOutcome>,
  prepare?: Prepare,
): Promise<RunOutcome> {
  const dir = makeRunDir();
  try {
    const seedStart = performance.now();
    await seedUsers(dir.dataDir, clients, withAdmin);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const prepared = prepare ? await prepare(dir.dataDir) : {};
    const configPath = writeBenchConfig(dir.root, clients, options);
    const baseline = options.target.kind === 'baseline';
    const server = await startServer({
      dataDir: dir.dataDir,
      configPath,
      // The baseline is one process: --workers applies to super-server only.
      workers: baseline ? undefined : options.workers,
      target: options.target,
      accountsPath: baseline ? await writeBaselineAccounts(dir.root, dir.dataDir) : undefined,
    });
    try {
      const outcome = await body({ options, clients, server, seedSeconds });
      outcome.figures.seed_s = seedSeconds;
      Object.assign(outcome.figures, prepared);
      return outcome;
    } finally {
      await server.stop();
    }
  } finally {
    dir.remove();
  }
}

/** Starts the generator threads and logs every client in; returns the pool and the time taken. */
export async function loggedInPool(env: RunEnv): Promise<{ pool: LoadPool; setupSeconds: number }> {
  const threads = threadsFor(env.options, env.clients);
  const pool = LoadPool.start(clientEndpoint(env), env.clients, threads, BENCH_PASSWORD);
  let start = performance.now();
  try {
    await pool.ready();
    start = performance.now();
    await pool.all({ cmd: 'login' });
  } catch (err) {
    await pool.stop();
    throw err;
  }
  return { pool, setupSeconds: (performance.now() - start) / 1000 };
}

/** Where the run's clients connect: the TCP port, or for `--transport ws` the HTTP port's /ws. */
export function clientEndpoint(env: RunEnv): Endpoint {
  if (env.options.transport === 'tcp') return { transport: 'tcp', port: env.server.port };
  const port = env.server.httpPort;
  if (port === undefined) {
    throw new Error('--transport ws: the server reported no http_port (no WebSocket listener)');
  }
  return { transport: 'ws', port };
}

/** Resolves at `us` on the nowUs() clock. */
export function sleepUntilUs(us: number): Promise<void> {
  return sleep(Math.max(0, (us - nowUs()) / 1000));
}
