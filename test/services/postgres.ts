// A real PostgreSQL server for tests: initdb in a temp dir, pg_ctl start on a free port of
// 127.0.0.1, stop afterwards. As root it runs as the `postgres` user (PostgreSQL refuses
// root). Without binaries a suite is skipped with one line, except under CI, where it fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { processTree } from '../../bench/lib/proc.ts';

/** A running test PostgreSQL. */
export interface PostgresService {
  /** postgres://… URL of the `postgres` database (superuser, no password, 127.0.0.1). */
  url: string;
  port: number;
  /** The PostgreSQL data directory (postmaster.pid holds the postmaster's pid). */
  dataDir: string;
  /** The postmaster's pid while it runs (its children are the backends), else undefined. */
  pid(): number | undefined;
  /** A URL of another database on the same server. */
  urlOf(database: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server at once (`-m immediate`, as a crash would), keeping its data. */
  crash(): void;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /**
   * SIGSTOP to the postmaster and every backend: connections stay open and nothing answers,
   * as a hung database or a network partition without a reset. thaw() sends SIGCONT.
   */
  freeze(): void;
  thaw(): void;
  /** Stops it and forgets it (data stays in /tmp). */
  stop(): void;
}

const USER = 'postgres';

/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPostgresBinaries(): string | undefined {
  const candidates = ['/usr/lib/postgresql/15/bin'];
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (config.status === 0) candidates.push(config.stdout.trim());
  return candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
}

/**
 * Why PostgreSQL tests cannot run here (one line), or undefined when they can. Under CI the
 * absence is an error instead: CI never skips.
 */
export function postgresMissing(): string | undefined {
  if (findPostgresBinaries() !== undefined) return undefined;
  const why = 'PostgreSQL binaries not found (/usr/lib/postgresql/15/bin, pg_config --bindir)';
  if (process.env.CI) throw new Error(`${why}: CI must install the postgresql package`);
  return why;
}

/** A free TCP port on 127.0.0.1 (free a moment ago; PostgreSQL binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** How startPostgres sets up the server. */
export interface PostgresStartOptions {
  /**
   * Keep PostgreSQL's stock durability (fsync on, as a deployment runs it) instead of the
   * tests' fsync=off; the benchmarks ask for it.
   */
  durable?: boolean;
}

/** Starts a fresh PostgreSQL; call stop() in afterAll (and on a failed start it stops itself). */
export async function startPostgres(opts: PostgresStartOptions = {}): Promise<PostgresService> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(postgresMissing() ?? 'PostgreSQL binaries not found');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'ss-pg-'));
  const data = join(dir, 'data');
  if (root) {
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = root
      ? ['runuser', ['-u', USER, '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout || r.error}`);
  };
  run('initdb', ['-D', data, '-U', USER, '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const fsync = opts.durable ? '' : ' -c fsync=off';
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fsync} -c max_connections=200`;
  const start = async () => {
    run('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log'), '-o', options]);
    await waitReady(`postgres://${USER}@127.0.0.1:${port}/postgres`);
  };
  let stopped = false;
  const halt = (mode: string) => {
    try {
      run('pg_ctl', ['stop', '-D', data, '-m', mode, '-w']);
    } catch {
      // Already stopped (a crash() before, or it never started).
    }
  };
  try {
    await start();
  } catch (err) {
    halt('immediate');
    throw err;
  }
  const urlOf = (db: string) => `postgres://${USER}@127.0.0.1:${port}/${db}`;
  let made = 0;
  return {
    url: urlOf('postgres'),
    port,
    dataDir: data,
    pid: () => postmasterPid(data),
    urlOf,
    async createDatabase() {
      made++;
      const name = `t${process.pid}_${made}`;
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    crash: () => halt('immediate'),
    freeze: () => signalAll(data, 'SIGSTOP'),
    thaw: () => signalAll(data, 'SIGCONT'),
    restart: start,
    stop() {
      if (stopped) return;
      stopped = true;
      halt('fast');
    },
  };
}

/** Sends `signal` to the postmaster of `data` and to all its children (the backends). */
function signalAll(data: string, signal: NodeJS.Signals): void {
  const pid = postmasterPid(data);
  if (pid === undefined) throw new Error('PostgreSQL is not running');
  for (const target of processTree(pid)) process.kill(target, signal);
}

/** The first line of postmaster.pid, or undefined when the server is not running. */
function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits (bounded) until a connection succeeds. */
async function waitReady(url: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      last = err;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`PostgreSQL did not get ready: ${String(last)}`);
}
