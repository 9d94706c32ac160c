// Runs super-client for real: in a pseudo-terminal (node-pty) for the prompt, or as a plain child
// process for one-shot commands. Every wait has a deadline and fails showing the screen.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pty from 'node-pty';
import { CLIENT_PROGRAM } from '../programs.ts';
import { plainText, TerminalModel } from './terminal.ts';

/** Absolute path of the client's entry point: the compiled one (see test/programs.ts). */
export const CLIENT_BIN = CLIENT_PROGRAM;

/** Default deadline of one wait. */
export const WAIT_MS = 10_000;

const COLS = 120;
const ROWS = 40;

const live = new Set<PtyClient>();
const tempDirs = new Set<string>();

/** A temp dir removed by cleanupClients(). */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'super-client-test-'));
  tempDirs.add(dir);
  return dir;
}

/** The environment every client gets: no colours (unless overridden), no history file. */
function clientEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('SUPER_CLIENT') && k !== 'FORCE_COLOR') env[k] = v;
  }
  return { ...env, NO_COLOR: '1', TERM: 'xterm-256color', SUPER_CLIENT_HISTORY: '', ...extra };
}

/** super-client running in a pseudo-terminal, with a model of what its screen shows. */
export class PtyClient {
  readonly term = new TerminalModel(COLS, ROWS);
  /** everything the program wrote, raw */
  raw = '';
  exitCode: number | undefined;
  readonly exited: Promise<number>;
  private readonly proc: pty.IPty;
  private waiters = new Set<() => void>();

  constructor(args: string[] = [], env: Record<string, string> = {}) {
    this.proc = pty.spawn(process.execPath, [CLIENT_BIN, ...args], {
      name: 'xterm-256color',
      cols: COLS,
      rows: ROWS,
      cwd: process.cwd(),
      env: clientEnv(env),
    });
    live.add(this);
    this.proc.onData((d) => {
      this.raw += d;
      this.term.write(d);
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit(({ exitCode }) => {
        this.exitCode = exitCode;
        live.delete(this);
        for (const w of this.waiters) w();
        resolve(exitCode);
      });
    });
  }

  /** Types text as keystrokes (use '\r' for Enter, '\t' for Tab). */
  type(text: string): void {
    this.proc.write(text);
  }

  /** The screen as a person sees it (scrollback included). */
  screen(): string {
    return this.term.text();
  }

  /** Output so far with ANSI sequences removed (a position in it serves as a mark). */
  plain(): string {
    return plainText(this.raw);
  }

  /** Waits until `check` passes; on timeout fails with `what` and the screen. */
  async until(what: string, check: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
        resolve();
      };
      const onChange = () => {
        if (check()) done();
        else if (this.exitCode !== undefined) {
          clearTimeout(timer);
          this.waiters.delete(onChange);
          reject(new Error(`client exited (${this.exitCode}) before: ${what}\n${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(onChange);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\n${this.describe()}`),
        );
      }, timeoutMs);
      this.waiters.add(onChange);
    });
  }

  /** Waits until the screen contains `text` (a string or pattern). */
  waitScreen(text: string | RegExp, timeoutMs = WAIT_MS): Promise<void> {
    const has = () =>
      typeof text === 'string' ? this.screen().includes(text) : text.test(this.screen());
    return this.until(`screen shows ${String(text)}`, has, timeoutMs);
  }

  /** Waits until the output after position `since` of plain() contains `text`. */
  waitOutput(text: string | RegExp, since = 0, timeoutMs = WAIT_MS): Promise<void> {
    const has = () => {
      const out = this.plain().slice(since);
      return typeof text === 'string' ? out.includes(text) : text.test(out);
    };
    return this.until(`output shows ${String(text)}`, has, timeoutMs);
  }

  /** Waits until the cursor's row reads exactly `line`. */
  waitCursorLine(line: string, timeoutMs = WAIT_MS): Promise<void> {
    return this.until(
      `cursor line is ${JSON.stringify(line)}`,
      () => this.term.cursorLine() === line,
      timeoutMs,
    );
  }

  /** Types a command line, presses Enter, and waits for `expect` to show after it. */
  async run(line: string, expect: string | RegExp, timeoutMs = WAIT_MS): Promise<void> {
    const mark = this.plain().length;
    this.type(`${line}\r`);
    await this.waitOutput(expect, mark, timeoutMs);
  }

  /** Waits for the process to end; kills it and fails after the deadline. */
  async waitExit(timeoutMs = WAIT_MS): Promise<number> {
    await this.until('the client exits', () => this.exitCode !== undefined, timeoutMs);
    return this.exitCode as number;
  }

  /** Ends the process now. */
  kill(): void {
    if (this.exitCode === undefined) this.proc.kill('SIGKILL');
  }

  /** The screen and cursor, for failure messages. */
  describe(): string {
    const lines = this.screen().split('\n').slice(-30);
    const c = this.term.cursor();
    return `--- screen (last 30 rows; cursor row ${c.row}, col ${c.col}) ---\n${lines.join('\n')}\n---`;
  }
}

/** Kills every client still running and removes temp dirs. */
export function cleanupClients(): void {
  for (const c of live) c.kill();
  live.clear();
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** The result of a one-shot run. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A super-client child process without a TTY and what it has printed so far. */
export interface SpawnedClient {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
}

/** Starts `super-client ...args` (CLIENT_BIN, or `program`) as a plain child process, collecting stdout and stderr. */
export function spawnClient(
  args: string[],
  env?: Record<string, string>,
  program = CLIENT_BIN,
): SpawnedClient {
  const child = spawn(process.execPath, [program, ...args], {
    env: clientEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Runs `super-client ...args` with `stdin` fed to it, no TTY; killed after the deadline. */
export function runClient(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number; program?: string } = {},
): Promise<RunResult> {
  const { child, stdout, stderr } = spawnClient(args, opts.env, opts.program);
  child.stdin.on('error', () => {});
  child.stdin.end(opts.stdin ?? '');
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `super-client ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout()}\nstderr: ${stderr()}`,
        ),
      );
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stdout(), stderr: stderr() });
    });
  });
}
