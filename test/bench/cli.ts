// Runs the benchmark CLI (bench/run.ts) as a child process for the bench tests:
// one setup for every test file that drives it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { serverProgram } from '../../bench/lib/build.ts';

const RUN_TS = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

/** One JSON record a bench run writes with `--json`: the fields the tests read. */
export interface BenchRecord {
  scenario: string;
  variant?: string;
  ok: boolean;
  machine: { nproc: number; node: string };
  options: { target: { kind: string; bin?: string } };
  figures: Record<string, number | null>;
  errors: Record<string, number>;
}

/** What one CLI run gave: its exit code, everything it printed, and its JSON records. */
export interface BenchRun {
  code: number | null;
  output: string;
  records: BenchRecord[];
}

/**
 * Sets up a test file to run the CLI: builds the compiled server it runs (when stale) once,
 * before the tests rather than inside a timed CLI run, and keeps the JSON files in a
 * temporary folder removed afterwards. Returns the runner: `bench/run.ts args… --json
 * <file>`, killed after `timeoutMs` (or the run's own). Call it at the top of a test file.
 */
export function benchCli(
  name: string,
  timeoutMs: number,
): (args: string[], runTimeoutMs?: number) => Promise<BenchRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  let runCount = 0;
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  beforeAll(() => {
    serverProgram(undefined);
  }, 300_000);
  return (args, runTimeoutMs = timeoutMs) => {
    const json = path.join(tmp, `${args[0]}-${++runCount}.jsonl`);
    return runCli([...args, '--json', json], json, runTimeoutMs);
  };
}

function runCli(args: string[], json: string, timeoutMs: number): Promise<BenchRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_TS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, records: readRecords(json) });
    });
  });
}

/** The JSON lines a run wrote; none when it wrote no file. */
function readRecords(json: string): BenchRecord[] {
  let text = '';
  try {
    text = readFileSync(json, 'utf8');
  } catch {}
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as BenchRecord);
}
