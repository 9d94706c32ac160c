// A real redis-server for tests: Debian's binary on a free loopback port in a
// temporary directory, no persistence. Suites that need it call redisSkipReason()
// first: without the binary they are skipped with one line, except under CI
// (process.env.CI), where a missing binary fails loudly.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** A running redis-server. */
export interface RedisService {
  url: string;
  port: number;
  /** Its temporary directory (logs; no data: no persistence). */
  dir: string;
  /** The redis-server's pid while it runs, else undefined. */
  pid(): number | undefined;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
  /** Stops it (its data is gone: no persistence) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it, keeping the port for start(): an outage. */
  kill(): Promise<void>;
  /** Starts it again after kill(), on the same port. */
  start(): Promise<void>;
}

/** The redis-server binary, or undefined when it is not installed. */
export function redisBinary(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * Why Redis suites cannot run here (one line, printed by nobody; undefined: they can).
 * Under CI a missing binary throws instead: CI must never skip these suites.
 */
export function redisMissing(): string | undefined {
  if (redisBinary()) return undefined;
  const why = 'redis-server is not installed (apt-get install redis-server)';
  if (process.env.CI) throw new Error(`${why}: CI must run the Redis suites`);
  return why;
}

/** redisMissing() for a suite that needs only Redis: prints its one skip line too. */
export function redisSkipReason(): string | undefined {
  const why = redisMissing();
  if (why) console.warn(`Redis suites skipped: ${why}`);
  return why;
}

/** A free loopback TCP port. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once a PING on the port answers PONG; bounded by START_TIMEOUT_MS. */
async function waitForPing(port: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
    const pong = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.setTimeout(1_000, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (d) => {
        text += d.toString();
        if (text.includes('\r\n')) socket.end();
      });
      socket.on('close', () => resolve(text.startsWith('+PONG')));
      socket.on('error', () => {});
    });
    if (pong) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING in ${START_TIMEOUT_MS} ms`);
}

/** Starts redis-server on a free loopback port; resolves once it answers PING. */
export async function startRedis(): Promise<RedisService> {
  const binary = redisBinary();
  if (!binary) throw new Error('redis-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ss-redis-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;

  const start = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    proc = spawn(binary, [...args, '--dir', dir, '--logfile', join(dir, 'redis.log')], {
      stdio: 'ignore',
    });
    await waitForPing(port, proc);
  };
  const kill = async () => {
    const running = proc;
    proc = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => (proc && proc.exitCode === null ? proc.pid : undefined),
    start,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
