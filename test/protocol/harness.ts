import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type ListeningPorts, parseListeningLine } from '../../src/server/listening.ts';
import { SERVER_PROGRAM } from '../programs.ts';
import { closeAllClients } from './client.ts';
import { deepMerge } from './util.ts';

// Absolute path of the server's command-line entry point: the compiled one (see test/programs.ts).
export const BIN = SERVER_PROGRAM;

// Config every test server gets unless the test overrides it: all clients share
// 127.0.0.1, and tests of other features must not trip the request rate limits
// (test/protocol/cases/rate-limits.case.ts tests those with their defaults), and
// registration completes without an emailed code unless a test turns it on.
const UNLIMITED = { points: 1_000_000, duration_s: 1, burst_points: 0, burst_duration_s: 1 };
export const BASE_CONFIG = {
  limits: { max_unauthenticated_per_ip: 200 },
  accounts: { require_email_confirmation: false },
  rate_limits: { chat: UNLIMITED, default: UNLIMITED, auth: UNLIMITED },
};

const LISTEN_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 8_000;

// An account created with `user add` before the server starts.
export interface SeedUser {
  username: string;
  email: string;
  password: string;
  level?: string;
  phone?: string;
}

// Options for startServer.
export interface ServerOptions {
  config?: Record<string, unknown>;
  users?: SeedUser[];
  env?: Record<string, string>;
  logLevel?: string;
  /** skip BASE_CONFIG (the caller's config is used verbatim) */
  rawConfig?: boolean;
  /** extra command-line flags, e.g. ['--workers', '2'] */
  args?: string[];
  /** use this existing data dir instead of a fresh one */
  dataDir?: string;
  /** how long to wait for the listening line (default 15 s; suites starting many processes wait longer) */
  listenTimeoutMs?: number;
}

// How a child process ended.
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// A running server process.
export interface ServerHandle {
  port: number;
  /** the /metrics port, when the server was started with --metrics-port */
  metricsPort?: number;
  /** the HTTP listener's port (/ws, /healthz, /metrics, files), unless http.enabled is false */
  httpPort?: number;
  proc: ChildProcess;
  dataDir: string;
  configPath: string;
  /** everything the process wrote so far */
  output: { stdout: string; stderr: string };
  exited: Promise<ExitInfo>;
  stop(): Promise<ExitInfo>;
}

// Result of a finished CLI run.
export interface CliResult extends ExitInfo {
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const tempDirs = new Set<string>();
const servers = new Set<ServerHandle>();
const children = new Set<ChildProcess>();

process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

// Creates a temp root dir with a `data` subdir; removed by cleanup().
export function makeTempDir(): { root: string; dataDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'super-server-test-'));
  tempDirs.add(root);
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  return { root, dataDir };
}

// Writes `config` as JSON into `dir/config.json` and returns the path.
export function writeConfig(dir: string, config: unknown): string {
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function track(child: ChildProcess): Promise<ExitInfo> {
  children.add(child);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
}

// Runs `super-server ...args` (BIN, or `program`), feeding `stdin`; never hangs past timeoutMs (kills instead).
export function runCli(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number; program?: string } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [opts.program ?? BIN, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = track(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  child.stdin?.on('error', () => {});
  child.stdin?.end(opts.stdin ?? '');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 20_000);
  return exited.then((info) => {
    clearTimeout(timer);
    return { ...info, stdout, stderr, timedOut };
  });
}

// Creates an account with `user add` (the only way to create admins).
export async function addUser(dataDir: string, u: SeedUser): Promise<CliResult> {
  const args = ['user', 'add', u.username, '--email', u.email];
  if (u.phone !== undefined) args.push('--phone', u.phone);
  if (u.level !== undefined) args.push('--level', u.level);
  args.push('--password-stdin', '--data-dir', dataDir);
  return runCli(args, { stdin: `${u.password}\n` });
}

// Starts a server on an ephemeral port (seeding `users` first) and waits for its listening line.
export async function startServer(opts: ServerOptions = {}): Promise<ServerHandle> {
  const temp = makeTempDir();
  const root = temp.root;
  const dataDir = opts.dataDir ?? temp.dataDir;
  const config = opts.rawConfig ? (opts.config ?? {}) : deepMerge(BASE_CONFIG, opts.config ?? {});
  const configPath = writeConfig(root, config);
  for (const u of opts.users ?? []) {
    const r = await addUser(dataDir, u);
    if (r.code !== 0) {
      throw new Error(`user add ${u.username} failed (code ${r.code}): ${r.stderr}${r.stdout}`);
    }
  }
  const args = ['--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--data-dir', dataDir];
  args.push('--config', configPath);
  if (opts.logLevel !== undefined) args.push('--log-level', opts.logLevel);
  args.push(...(opts.args ?? []));
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = track(proc);
  const output = { stdout: '', stderr: '' };
  const listenTimeoutMs = opts.listenTimeoutMs ?? LISTEN_TIMEOUT_MS;
  const ports = await new Promise<ListeningPorts>((resolve, reject) => {
    let pending = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      reject(new Error(`${why}\nstderr:\n${output.stderr}\nstdout:\n${output.stdout}`));
    };
    const timer = setTimeout(
      () => fail(`server printed no listening line within ${listenTimeoutMs} ms`),
      listenTimeoutMs,
    );
    proc.stdout?.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      output.stdout += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const p = parseListeningLine(line.trim());
        if (p !== undefined) {
          clearTimeout(timer);
          resolve(p);
        }
      }
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output.stderr += d.toString('utf8');
    });
    exited.then((e) => fail(`server exited before listening (code ${e.code}, ${e.signal})`));
  });
  const handle: ServerHandle = {
    ...ports,
    proc,
    dataDir,
    configPath,
    output,
    exited,
    stop: () => stopProcess(proc, exited),
  };
  servers.add(handle);
  return handle;
}

async function stopProcess(proc: ChildProcess, exited: Promise<ExitInfo>): Promise<ExitInfo> {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const info = await exited;
  clearTimeout(timer);
  return info;
}

// Resolves with the exit info, or rejects if the process is still running after timeoutMs.
export function waitExit(handle: ServerHandle, timeoutMs: number): Promise<ExitInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not exit within ${timeoutMs} ms`)),
      timeoutMs,
    );
    handle.exited.then((e) => {
      clearTimeout(timer);
      resolve(e);
    });
  });
}

// Closes all clients, stops all servers and removes all temp dirs.
export async function cleanup(): Promise<void> {
  closeAllClients();
  await Promise.all([...servers].map((s) => s.stop()));
  servers.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

// Starts one server for the enclosing describe block; returns a getter for it.
export function useServer(opts: ServerOptions = {}): () => ServerHandle {
  let handle: ServerHandle | undefined;
  beforeAll(async () => {
    handle = await startServer(opts);
  });
  afterAll(async () => {
    closeAllClients();
    await handle?.stop();
  });
  return () => {
    if (!handle) throw new Error('server not started');
    return handle;
  };
}
