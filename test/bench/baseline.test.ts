// A smoke run of `dm-throughput --vs-baseline` through the real CLI: super-server
// and the baseline alternately, a handful of clients for about a second each. It
// checks that both runs completed and lost nothing, and that the ratio was
// printed and recorded. No timed assertions: the numbers depend on the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverProgram } from '../../bench/lib/build.ts';

const RUN_TS = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-baseline-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// The bench runs the compiled server: build it (when stale) once here, not inside a timed CLI run.
beforeAll(() => {
  serverProgram(undefined);
}, 300_000);

interface BenchRecord {
  scenario: string;
  variant?: string;
  ok: boolean;
  options: { target: { kind: string; bin?: string } };
  figures: Record<string, number | null>;
  errors: Record<string, number>;
}

/** Runs `bench/run.ts args… --json <file>`; resolves with the exit code, output and records. */
function bench(args: string[], name: string) {
  const json = path.join(tmp, `${name}.jsonl`);
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_TS, ...args, '--json', json], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  return new Promise<{ code: number | null; output: string; records: BenchRecord[] }>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      let text = '';
      try {
        text = readFileSync(json, 'utf8');
      } catch {}
      const records = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as BenchRecord);
      resolve({ code, output, records });
    });
  });
}

describe('bench --vs-baseline', () => {
  it('runs super-server and the baseline in turn and reports the ratio', {
    timeout: CLI_TIMEOUT_MS + 10_000,
  }, async () => {
    const tiny = ['--clients', '6', '--threads', '1', '--window', '4'];
    const timing = ['--duration', '1', '--warmup', '0.5'];
    const { code, output, records } = await bench(
      ['dm-throughput', ...tiny, ...timing, '--vs-baseline'],
      'vs-baseline',
    );
    expect(code, output).toBe(0);
    expect(records.map((r) => r.variant)).toEqual(['super-server', 'baseline']);
    expect(records.map((r) => r.options.target.kind)).toEqual(['super-server', 'baseline']);
    for (const r of records) {
      expect(r.errors, JSON.stringify(r)).toEqual({});
      expect(r.ok).toBe(true);
      expect(r.figures.lost).toBe(0);
      expect(r.figures.received).toBe(r.figures.acked);
      expect(r.figures.delivered_per_s).toBeGreaterThan(0);
      // The baseline numbers its messages too, so its recipients ack as with super-server.
      expect(r.figures.acks_sent).toBeGreaterThan(0);
    }
    const [server, baseline] = records as [BenchRecord, BenchRecord];
    const ratio =
      (server.figures.server_us_per_msg ?? 0) / (baseline.figures.server_us_per_msg ?? 1);
    expect(server.figures.cpu_ratio).toBeCloseTo(ratio, 9);
    expect(baseline.figures.cpu_ratio).toBe(1);
    expect(output).toMatch(/super-server vs baseline: medians of 1 runs each/);
    expect(output).toMatch(/super-server +[\d.,]+ +[\d.]+× +/);
    expect(output).toMatch(/baseline +[\d.,]+ +1× +/);
  });

  it('--server-bin runs the server of the checkout it names', {
    timeout: CLI_TIMEOUT_MS,
  }, async () => {
    // This checkout's own bin/super-server: the path form another checkout would be given in.
    const bin = fileURLToPath(new URL('../../bin/super-server', import.meta.url));
    const args = ['dm-throughput', '--clients', '4', '--threads', '1', '--window', '2'];
    const { code, output, records } = await bench(
      [...args, '--duration', '0.5', '--warmup', '0.2', '--server-bin', bin],
      'server-bin',
    );
    expect(code, output).toBe(0);
    expect(output).toContain(
      `server: ${fileURLToPath(new URL('../../dist/cli/server.js', import.meta.url))}`,
    );
    expect(records).toHaveLength(1);
    expect(records[0]?.options.target).toEqual({ kind: 'super-server', bin });
    expect(records[0]?.figures.lost).toBe(0);
    const missing = await bench(['dm-throughput', '--server-bin', '/nonexistent/bin/x'], 'missing');
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/--server-bin \/nonexistent\/bin\/x: no such file/);
  });

  it('refuses the baseline where it does not speak enough protocol', async () => {
    const { code, output } = await bench(['login-storm', '--vs-baseline'], 'refused');
    expect(code).toBe(2);
    expect(output).toMatch(/--vs-baseline and --vs-bin are for dm-throughput/);
    const both = await bench(['dm-throughput', '--vs-baseline', '--compare', 'store'], 'both');
    expect(both.code).toBe(2);
    expect(both.output).toMatch(/separate comparisons/);
  });
});
