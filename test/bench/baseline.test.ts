// A smoke run of `dm-throughput --vs-baseline` through the real CLI: super-server
// and the baseline alternately, a handful of clients for about a second each. It
// checks that both runs completed and lost nothing, and that the ratio was
// printed and recorded. No timed assertions: the numbers depend on the machine.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BenchRecord, benchCli } from './cli.ts';

const CLI_TIMEOUT_MS = 60_000;
const bench = benchCli('baseline', CLI_TIMEOUT_MS);

describe('bench --vs-baseline', () => {
  it('runs super-server and the baseline in turn and reports the ratio', {
    timeout: CLI_TIMEOUT_MS + 10_000,
  }, async () => {
    const tiny = ['--clients', '6', '--threads', '1', '--window', '4'];
    const timing = ['--duration', '1', '--warmup', '0.5'];
    const { code, output, records } = await bench([
      'dm-throughput',
      ...tiny,
      ...timing,
      '--vs-baseline',
    ]);
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
    const { code, output, records } = await bench([
      ...args,
      '--duration',
      '0.5',
      '--warmup',
      '0.2',
      '--server-bin',
      bin,
    ]);
    expect(code, output).toBe(0);
    expect(output).toContain(
      `server: ${fileURLToPath(new URL('../../dist/cli/server.js', import.meta.url))}`,
    );
    expect(records).toHaveLength(1);
    expect(records[0]?.options.target).toEqual({ kind: 'super-server', bin });
    expect(records[0]?.figures.lost).toBe(0);
    const missing = await bench(['dm-throughput', '--server-bin', '/nonexistent/bin/x']);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/--server-bin \/nonexistent\/bin\/x: no such file/);
  });

  it('refuses the baseline where it does not speak enough protocol', async () => {
    const { code, output } = await bench(['login-storm', '--vs-baseline']);
    expect(code).toBe(2);
    expect(output).toMatch(/--vs-baseline and --vs-bin are for dm-throughput/);
    const both = await bench(['dm-throughput', '--vs-baseline', '--compare', 'store']);
    expect(both.code).toBe(2);
    expect(both.output).toMatch(/separate comparisons/);
  });
});
