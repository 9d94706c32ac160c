// What every scenario run shares: a fresh data directory and database (SQLite or
// PostgreSQL), the seeded accounts, one server process or several nodes, and the
// generator threads logged in.
import { writeBaselineAccounts } from '../lib/baseline-accounts.ts';
import { type Endpoint, nowUs, sleep } from '../lib/bench-client.ts';
import type { BenchOptions } from '../lib/options.ts';
import { threadsFor } from '../lib/options.ts';
import { LoadPool } from '../lib/pool.ts';
import type { RunOutcome } from '../lib/report.ts';
import {
  BENCH_PASSWORD,
  makeRunDir,
  type SeedTarget,
  seedUsers,
  writeBenchConfig,
} from '../lib/seed.ts';
import { type BenchServer, type ServerSpec, startServer } from '../lib/server.ts';
import { type RunServices, runServices } from '../lib/services.ts';
import { startMeter } from '../lib/tally.ts';

/** What a scenario body gets: the running nodes, their services and the seeding time. */
export interface RunEnv {
  options: BenchOptions;
  clients: number;
  /** The first node (the only one without --nodes). */
  server: BenchServer;
  /** Every node of the run, in order (ids node-1, node-2, …); clients spread over them. */
  nodes: BenchServer[];
  /** The run's PostgreSQL database and Redis prefix, when it uses them. */
  services: RunServices | undefined;
  seedSeconds: number;
}

/** A scenario: one run with `clients` clients. */
export type Scenario = (options: BenchOptions, clients: number) => Promise<RunOutcome>;

/** Fills the database after the users are seeded, before the server starts; returns figures. */
export type Prepare = (target: SeedTarget) => Promise<Record<string, number>>;

/**
 * Seeds `clients` users (and the admin when asked) into a fresh database (SQLite in a
 * fresh data directory, or a fresh PostgreSQL database), runs `prepare` when given,
 * starts the run's server (options.target) on it, or --nodes of them on one Redis
 * (with the run's --store and --sync; the baseline gets the accounts as a file), runs
 * `body`, then stops the nodes, drops the database and removes the directory whatever
 * happened.
 */
export async function withServer(
  options: BenchOptions,
  clients: number,
  withAdmin: boolean,
  body: (env: RunEnv) => Promise<RunOutcome>,
  prepare?: Prepare,
): Promise<RunOutcome> {
  const dir = makeRunDir();
  let services: RunServices | undefined;
  try {
    const postgres = options.storage === 'postgres';
    const redis = options.broker === 'redis';
    if (postgres || redis) services = await runServices({ postgres, redis });
    const target = { dataDir: dir.dataDir, postgresUrl: services?.postgresUrl };
    const seedStart = performance.now();
    await seedUsers(target, clients, withAdmin);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const prepared = prepare ? await prepare(target) : {};
    const configPath = writeBenchConfig(dir.root, clients, options, {
      postgresUrl: services?.postgresUrl,
      redis: services?.redis,
      heartbeatTimeoutS: options.heartbeatTimeoutS,
    });
    const baseline = options.target.kind === 'baseline';
    const accountsPath = baseline ? await writeBaselineAccounts(dir.root, dir.dataDir) : undefined;
    const nodes = await startNodes(options, (nodeId) => ({
      dataDir: dir.dataDir,
      configPath,
      // The baseline is one process: --workers applies to super-server only.
      workers: baseline ? undefined : options.workers,
      target: options.target,
      accountsPath,
      nodeId,
    }));
    try {
      const env = {
        options,
        clients,
        server: nodes[0] as BenchServer,
        nodes,
        services,
        seedSeconds,
      };
      const outcome = await body(env);
      if (Object.keys(outcome.errors).length > 0) outcome.notes.push(...serverLogTails(nodes));
      outcome.figures.seed_s = seedSeconds;
      if (options.nodes > 1) outcome.figures.nodes = options.nodes;
      Object.assign(outcome.figures, prepared);
      return outcome;
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
  } finally {
    await services?.release().catch(() => undefined);
    dir.remove();
  }
}

/** How many of a node's last log lines a failed run shows (the server logs at warn). */
const LOG_TAIL_LINES = 3;

/** The last warn/error lines of each node, for the notes of a run that saw errors. */
function serverLogTails(nodes: BenchServer[]): string[] {
  return nodes.flatMap((node, i) =>
    node
      .output()
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .slice(-LOG_TAIL_LINES)
      .map((line) => `node ${i + 1} log: ${line.slice(0, 400)}`),
  );
}

/** Starts --nodes servers (one without an id when there is one); stops them all if one fails. */
async function startNodes(
  options: BenchOptions,
  spec: (nodeId: string | undefined) => ServerSpec,
): Promise<BenchServer[]> {
  const ids =
    options.nodes > 1
      ? Array.from({ length: options.nodes }, (_, i) => `node-${i + 1}`)
      : [undefined];
  const started = await Promise.allSettled(ids.map((id) => startServer(spec(id))));
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw failed.reason;
  }
  return nodes;
}

/** Measures the run's nodes and its PostgreSQL and Redis (when used) over a window. */
export function startRunMeter(env: RunEnv): ReturnType<typeof startMeter> {
  return startMeter(
    env.nodes.map((node) => node.pid),
    env.services
      ? () => env.services?.pids() ?? { postgres: undefined, redis: undefined }
      : undefined,
  );
}

/** Starts the generator threads and logs every client in; returns the pool and the time taken. */
export async function loggedInPool(env: RunEnv): Promise<{ pool: LoadPool; setupSeconds: number }> {
  const threads = threadsFor(env.options, env.clients);
  const pool = LoadPool.start(clientEndpoints(env), env.clients, threads, BENCH_PASSWORD);
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
export function clientEndpoint(env: RunEnv, node: BenchServer = env.server): Endpoint {
  if (env.options.transport === 'tcp') return { transport: 'tcp', port: node.port };
  const port = node.httpPort;
  if (port === undefined) {
    throw new Error('--transport ws: the server reported no http_port (no WebSocket listener)');
  }
  return { transport: 'ws', port };
}

/** One endpoint per node of the run, in node order. */
export function clientEndpoints(env: RunEnv): Endpoint[] {
  return env.nodes.map((node) => clientEndpoint(env, node));
}

/** Resolves at `us` on the nowUs() clock. */
export function sleepUntilUs(us: number): Promise<void> {
  return sleep(Math.max(0, (us - nowUs()) / 1000));
}
