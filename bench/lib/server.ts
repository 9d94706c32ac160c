// Starts the real server as a child process on 127.0.0.1, reads its listening
// line, and stops it; every server still running is killed when the bench exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseListeningLine } from '../../src/server/listening.ts';
import { processTree } from './proc.ts';

/** The server's command-line entry point. */
export const SERVER_BIN = fileURLToPath(new URL('../../bin/super-server', import.meta.url));

const LISTEN_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** How much of the server's output is kept for error messages. */
const OUTPUT_TAIL = 16_384;

/** How a server process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the exit was seen */
  atMs: number;
}

/** What a run needs to start a server. */
export interface ServerSpec {
  dataDir: string;
  configPath: string;
  /** Passed as `--workers K` when set. */
  workers?: number | undefined;
}

/** A running server. */
export interface BenchServer {
  pid: number;
  port: number;
  /** The HTTP metrics port, when the server has a metrics endpoint. */
  metricsPort: number | undefined;
  exited: Promise<ExitInfo>;
  /** The last bytes of its stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it is gone. */
  stop(): Promise<ExitInfo>;
}

const live = new Set<ChildProcess>();

/** Kills every server this process started, and its descendants (for timeouts and exits). */
export function killAllServers(): void {
  for (const child of live) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    for (const pid of processTree(child.pid).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
}

process.on('exit', killAllServers);

/** Whether this server build accepts --metrics-port; learnt from the first start. */
let metricsFlag = true;

/**
 * Starts `bin/super-server serve` on a free port of 127.0.0.1. Asks for a
 * metrics port too; a server that does not know --metrics-port yet is started
 * again without it (metricsPort is then undefined).
 */
export async function startServer(spec: ServerSpec): Promise<BenchServer> {
  try {
    return await launch(spec, metricsFlag);
  } catch (err) {
    if (metricsFlag && /unknown option '--metrics-port'/.test(String(err))) {
      metricsFlag = false;
      return launch(spec, false);
    }
    throw err;
  }
}

function launch(spec: ServerSpec, withMetrics: boolean): Promise<BenchServer> {
  const args = [SERVER_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--http-port', '0'];
  args.push('--data-dir', spec.dataDir, '--config', spec.configPath, '--log-level', 'warn');
  if (withMetrics) args.push('--metrics-port', '0');
  if (spec.workers !== undefined) args.push('--workers', String(spec.workers));
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, atMs: performance.now() });
    });
  });
  child.stderr?.on('data', keep);
  return new Promise<BenchServer>((resolve, reject) => {
    let pending = '';
    let started = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}\n--- server output ---\n${tail}`));
    };
    const timer = setTimeout(
      () => fail(`server printed no listening line within ${LISTEN_TIMEOUT_MS} ms`),
      LISTEN_TIMEOUT_MS,
    );
    child.stdout?.on('data', (d: Buffer) => {
      keep(d);
      if (started) return;
      pending += d.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const ports = parseListeningLine(line.trim());
        if (!ports || started) continue;
        started = true;
        clearTimeout(timer);
        resolve({
          pid: child.pid as number,
          port: ports.port,
          metricsPort: ports.metricsPort,
          exited,
          output: () => tail,
          stop: () => stopChild(child, exited),
        });
      }
    });
    void exited.then((e) => {
      if (!started) fail(`server exited before listening (code ${e.code}, signal ${e.signal})`);
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<ExitInfo>): Promise<ExitInfo> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const info = await exited;
  clearTimeout(timer);
  return info;
}
