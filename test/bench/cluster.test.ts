// Smoke runs of the issue 15 bench options through the real CLI with tiny sizes:
// --storage postgres, --vs-storage, --nodes 2 --broker redis and the failover
// scenario, each on the bench's own PostgreSQL and Redis processes. Checks the JSON
// records (nothing lost, no errors, the figures present), never the timings.
// Without PostgreSQL or Redis the file is skipped with one line (CI fails instead).
import { describe, expect, it } from 'vitest';
import { postgresMissing } from '../services/postgres.ts';
import { redisMissing } from '../services/redis.ts';
import { type BenchRecord, benchCli } from './cli.ts';

const skipReason = postgresMissing() ?? redisMissing();
if (skipReason) console.log(`bench cluster smoke tests skipped: ${skipReason}`);

/** A run starts PostgreSQL (initdb) and up to two nodes: slow on a loaded machine. */
const CLI_TIMEOUT_MS = 120_000;
const bench = benchCli('cluster', CLI_TIMEOUT_MS);

const TINY = ['--clients', '6', '--threads', '1'];
const LATENCY = ['dm-latency', ...TINY, '--rate', '20', '--duration', '1', '--warmup', '0.2'];

/** Checks what every clean run satisfies; returns its one record. */
function clean(run: { code: number | null; output: string; records: BenchRecord[] }) {
  expect(run.records, run.output).toHaveLength(1);
  const record = run.records[0] as BenchRecord;
  expect(record.errors, JSON.stringify(record)).toEqual({});
  expect(record.ok, run.output).toBe(true);
  expect(run.code, run.output).toBe(0);
  expect(record.figures.lost).toBe(0);
  return record;
}

/** Each figure of `keys` is a number in the record. */
function expectNumbers(record: BenchRecord, keys: string[]): void {
  for (const key of keys) {
    expect(typeof record.figures[key], `figure ${key}: ${JSON.stringify(record.figures)}`).toBe(
      'number',
    );
  }
}

describe.skipIf(skipReason !== undefined)('bench on PostgreSQL, Redis and several nodes', () => {
  it('dm-latency on PostgreSQL delivers everything and reports PostgreSQL CPU', {
    timeout: 150_000,
  }, async () => {
    const r = clean(await bench([...LATENCY, '--storage', 'postgres']));
    expectNumbers(r, ['postgres_cpu_s', 'services_us_per_msg', 'total_us_per_msg']);
    expect(r.figures.server_processes).toBe(1);
    expect(r.figures.redis_cpu_s).toBeUndefined();
    expect(r.figures.received).toBeGreaterThan(0);
    expect(r.figures.acked).toBe(r.figures.received);
  });

  it('--vs-storage runs SQLite and PostgreSQL in turn and reports postgres ÷ sqlite', {
    timeout: 200_000,
  }, async () => {
    // A window of sends in flight per conversation: on PostgreSQL (an async store) a gap fill
    // once sent the sending session its own message; the run would fail on that.
    const args = ['dm-throughput', ...TINY, '--window', '4', '--duration', '1', '--warmup', '0.5'];
    const run = await bench([...args, '--vs-storage'], 180_000);
    expect(run.code, run.output).toBe(0);
    expect(run.records.map((r) => r.variant)).toEqual(['sqlite', 'postgres']);
    const [sqlite, postgres] = run.records as [BenchRecord, BenchRecord];
    for (const r of run.records) {
      expect(r.errors, JSON.stringify(r)).toEqual({});
      expect(r.figures.lost).toBe(0);
    }
    expect(sqlite.figures.postgres_cpu_s).toBeUndefined();
    expectNumbers(postgres, ['postgres_cpu_s', 'total_us_per_msg']);
    const ratio =
      (postgres.figures.server_us_per_msg ?? 0) / (sqlite.figures.server_us_per_msg ?? 1);
    expect(postgres.figures.cpu_ratio).toBeCloseTo(ratio, 9);
    expect(sqlite.figures.cpu_ratio).toBe(1);
    expect(run.output).toMatch(/postgres vs sqlite: medians of 1 runs each/);
    expect(run.output).toMatch(/sqlite +[\d.,]+ +1× +/);
  });

  it('dm-latency on two nodes sends every message across nodes and loses none', {
    timeout: 150_000,
  }, async () => {
    const r = clean(await bench([...LATENCY, '--nodes', '2', '--broker', 'redis']));
    expectNumbers(r, ['postgres_cpu_s', 'redis_cpu_s', 'latency_p99_ms']);
    expect(r.figures.nodes).toBe(2);
    expect(r.figures.server_processes).toBe(2);
    // Every client's partner is on the other node, and each node holds half the sessions.
    expect(r.figures.cross_node_share).toBe(1);
    expect(r.figures.node_sessions_min).toBe(3);
    expect(r.figures.transport_sessions).toBe(6);
    expect(r.figures.received).toBeGreaterThan(0);
    expect(r.figures.acked).toBe(r.figures.received);
  });

  it('failover: after kill -9 every client is served by the other node with every acked message', {
    timeout: 200_000,
  }, async () => {
    const args = ['failover', ...TINY, '--rate', '10', '--duration', '1', '--warmup', '0.2'];
    const r = clean(await bench([...args, '--heartbeat-timeout', '2'], 180_000));
    expectNumbers(r, ['failover_first_ms', 'failover_p99_ms', 'failover_last_ms', 'redis_cpu_s']);
    expect(r.figures.heartbeat_timeout_s).toBe(2);
    expect(r.figures.served).toBe(6);
    expect(r.figures.acked_before_kill).toBeGreaterThan(0);
    expect(r.figures.acked_delivered).toBe(r.figures.acked_before_kill);
    expect(r.figures.attempts_max).toBeGreaterThanOrEqual(1);
    expect(r.figures.failover_last_ms).toBeGreaterThanOrEqual(r.figures.failover_first_ms ?? 0);
  });

  it('refuses the bad combinations with status 2', { timeout: 120_000 }, async () => {
    const cases: Array<[string[], RegExp]> = [
      [['dm-latency', '--nodes', '2', '--workers', '2'], /not with --workers/],
      [['dm-latency', '--vs-storage', '--storage', 'postgres'], /leave out --storage/],
      [['replay', '--storage', 'postgres'], /--storage is for/],
      [['failover', '--nodes', '1'], /failover needs --nodes 2/],
      [['dm-latency', '--heartbeat-timeout', '3'], /give --broker redis/],
      [['idle-sessions', '--nodes', '2'], /--nodes and --broker are for/],
      [['dm-latency', '--vs-storage', '--vs-transport'], /a comparison of its own/],
    ];
    for (const [args, message] of cases) {
      const { code, output } = await bench(args);
      expect(code, output).toBe(2);
      expect(output).toMatch(message);
    }
  });
});
