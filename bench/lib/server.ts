// Starts the server under test as a child process on 127.0.0.1 — super-server's
// compiled CLI (`serve`) or the baseline — reads its listening line, and stops it;
// every server still running is killed when the bench exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseListeningLine } from '../../src/server/listening.ts';
import { serverProgram } from './build.ts';
import type { ServerTarget } from './options.ts';
import { processTree } from './proc.ts';

/** The baseline's entry point (TypeScript, run through tsx's loader: it only transforms at load). */
export const BASELINE_ENTRY = fileURLToPath(new URL('../baseline/server.ts', import.meta.url));
/** tsx's loader, by absolute URL: the server may start from any working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

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
  /** Which server; super-server of this checkout when not given. */
  target?: ServerTarget | undefined;
  /** The baseline's accounts file (bench/lib/baseline-accounts.ts); required for it. */
  accountsPath?: string | undefined;
  /** Passed as `--node-id ID` when set (several nodes on one broker). */
  nodeId?: string | undefined;
}

/** A running server. */
export interface BenchServer {
  pid: number;
  port: number;
  /** The HTTP metrics port, when the server has a metrics endpoint. */
  metricsPort: number | undefined;
  /** The HTTP listener's port (/ws among others), when the server reports one. */
  httpPort: number | undefined;
  exited: Promise<ExitInfo>;
  /** The last bytes of its stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it is gone. */
  stop(): Promise<ExitInfo>;
  /** SIGKILL to the process (kill -9: a node that dies); `exited` says when it is gone. */
  kill(): void;
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

/** The flags a server build does not know yet, by program; learnt from its first start. */
const unknownFlags = new Map<string, Set<'--metrics-port' | '--http-port'>>();

/**
 * Starts the spec's server on a free port of 127.0.0.1: super-server's compiled
 * `serve` (built first when stale, see build.ts) or the baseline. Asks for a
 * metrics port and an HTTP port of 0 too; a super-server build that does not know
 * --metrics-port or --http-port yet (an older checkout) is started again without
 * it (metricsPort is then undefined).
 */
export async function startServer(spec: ServerSpec): Promise<BenchServer> {
  const target = spec.target ?? { kind: 'super-server', bin: undefined };
  if (target.kind === 'baseline') return launch(baselineArgs(spec));
  const program = serverProgram(target.bin);
  const unknown = unknownFlags.get(program) ?? new Set();
  unknownFlags.set(program, unknown);
  for (;;) {
    try {
      return await launch(serverArgs(program, spec, unknown));
    } catch (err) {
      const flag = /unknown option '(--metrics-port|--http-port)'/.exec(String(err))?.[1];
      if (flag !== '--metrics-port' && flag !== '--http-port') throw err;
      if (unknown.has(flag)) throw err;
      unknown.add(flag);
    }
  }
}

/** `node <program> serve …` of super-server, without the flags the build does not know. */
function serverArgs(program: string, spec: ServerSpec, unknown: ReadonlySet<string>): string[] {
  const args = [program, 'serve', '--host', '127.0.0.1', '--port', '0'];
  if (!unknown.has('--http-port')) args.push('--http-port', '0');
  args.push('--data-dir', spec.dataDir, '--config', spec.configPath, '--log-level', 'warn');
  if (!unknown.has('--metrics-port')) args.push('--metrics-port', '0');
  if (spec.workers !== undefined) args.push('--workers', String(spec.workers));
  if (spec.nodeId !== undefined) args.push('--node-id', spec.nodeId);
  return args;
}

/** `node --import tsx bench/baseline/server.ts …`. */
function baselineArgs(spec: ServerSpec): string[] {
  if (spec.accountsPath === undefined) throw new Error('the baseline needs an accounts file');
  if (spec.workers !== undefined) throw new Error('the baseline runs one process (no --workers)');
  const args = ['--import', TSX_LOADER, BASELINE_ENTRY, '--host', '127.0.0.1', '--port', '0'];
  args.push('--metrics-port', '0', '--config', spec.configPath, '--accounts', spec.accountsPath);
  return args;
}

function launch(args: string[]): Promise<BenchServer> {
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
          httpPort: ports.httpPort,
          exited,
          output: () => tail,
          stop: () => stopChild(child, exited),
          kill: () => child.kill('SIGKILL'),
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
