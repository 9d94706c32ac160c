// Runs every benchmark scenario once through the real CLI with tiny parameters
// and checks its JSON record: nothing lost, no errors, the figures present.
// No timed assertions: the numbers depend on the machine.
import { describe, expect, it } from 'vitest';
import { type BenchRecord, benchCli } from './cli.ts';

const CLI_TIMEOUT_MS = 25_000;
const bench = benchCli('smoke', CLI_TIMEOUT_MS);

/** Runs a scenario and checks what every run must satisfy; returns its one record. */
async function runClean(
  args: string[],
  figures: string[],
  timeoutMs = CLI_TIMEOUT_MS,
): Promise<BenchRecord> {
  const { code, output, records } = await bench(args, timeoutMs);
  expect(records, output).toHaveLength(1);
  const record = records[0] as BenchRecord;
  // The errors and sample lines first: the printed output is cut short in a failure message.
  expect(record.errors, JSON.stringify(record)).toEqual({});
  expect(record.ok, output).toBe(true);
  expect(code, output).toBe(0);
  expect(record.figures.lost).toBe(0);
  expect(record.machine.nproc).toBeGreaterThan(0);
  const common = ['server_cpu_s', 'server_rss_mib', 'generator_cpu_s', 'errors', 'seed_s'];
  for (const key of [...common, ...figures]) {
    expect(typeof record.figures[key], `figure ${key}: ${output}`).toBe('number');
  }
  return record;
}

const TINY = ['--clients', '6', '--threads', '1'];

describe('bench scenarios through the CLI', () => {
  it('dm-throughput delivers and loses nothing', { timeout: 30_000 }, async () => {
    const args = ['dm-throughput', ...TINY, '--window', '4', '--duration', '1', '--warmup', '0.5'];
    const latency = ['latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms', 'latency_max_ms'];
    const r = await runClean(args, ['delivered_per_s', ...latency]);
    expect(r.figures.delivered_per_s).toBeGreaterThan(0);
    expect(r.figures.acked).toBe(r.figures.received);
  });

  it('dm-throughput acks what it receives, stored and with sync full', {
    timeout: 30_000,
  }, async () => {
    const args = ['dm-throughput', ...TINY, '--window', '4', '--duration', '1', '--warmup', '0.5'];
    const figures = ['server_us_per_msg', 'lag_p99_ms', 'lag_max_ms', 'acks_sent'];
    const r = await runClean([...args, '--sync', 'full'], figures);
    expect(r.figures.acked).toBe(r.figures.received);
    expect(r.figures.acks_sent).toBeGreaterThan(0);
  });

  it('dm-throughput on the in-memory path (--store off) loses nothing', {
    timeout: 30_000,
  }, async () => {
    const args = ['dm-throughput', ...TINY, '--window', '4', '--duration', '1', '--warmup', '0.5'];
    const r = await runClean([...args, '--store', 'off'], ['server_us_per_msg', 'lag_max_ms']);
    expect(r.figures.delivered_per_s).toBeGreaterThan(0);
    // The in-memory path has no seq to ack.
    expect(r.figures.acks_sent).toBe(0);
  });

  it('--compare store runs stored, in-memory and sync-full in turn', {
    timeout: 60_000,
  }, async () => {
    const args = ['dm-latency', ...TINY, '--rate', '20', '--duration', '0.5', '--warmup', '0.2'];
    const { code, output, records } = await bench([...args, '--compare', 'store']);
    expect(code, output).toBe(0);
    expect(records.map((r) => r.variant)).toEqual(['stored', 'in-memory', 'sync-full']);
    for (const r of records) {
      expect(r.errors, JSON.stringify(r)).toEqual({});
      expect(r.figures.lost).toBe(0);
      expect(typeof r.figures.server_us_per_msg).toBe('number');
    }
    expect(output).toMatch(/compare store: medians of 1 runs each/);
    expect(output).toMatch(/in-memory +[\d.,]+ +0 %/);
  });

  it('replay: every stored message comes once, past the replay limit', {
    timeout: 30_000,
  }, async () => {
    // 1,200 per user is above messages.replay_limit (1,000): the clients must sync for the rest.
    const figures = [
      'replayed_per_s',
      'replay_s',
      'lag_p99_ms',
      'lag_max_ms',
      'ping_rtt_max_ms',
      'fill_commit_max_ms',
    ];
    const r = await runClean(['replay', ...TINY, '--messages', '1200'], figures);
    expect(r.figures.stored).toBe(7_200);
    expect(r.figures.replayed).toBe(7_200);
    expect(r.figures.received).toBe(7_200);
    expect(r.figures.caught_up).toBe(6);
    expect(r.figures.acks_sent).toBeGreaterThan(0);
  });

  it('dm-throughput across two server workers loses nothing', { timeout: 30_000 }, async () => {
    const args = ['dm-throughput', ...TINY, '--window', '4', '--duration', '1', '--warmup', '0.5'];
    const r = await runClean([...args, '--workers', '2'], ['delivered_per_s', 'latency_p99_ms']);
    expect(r.figures.server_processes).toBe(3);
    expect(r.figures.delivered_per_s).toBeGreaterThan(0);
    expect(r.figures.acked).toBe(r.figures.received);
  });

  it('dm-latency delivers at a fixed rate and loses nothing', { timeout: 30_000 }, async () => {
    const args = ['dm-latency', ...TINY, '--rate', '20', '--duration', '1', '--warmup', '0.2'];
    const r = await runClean(args, ['delivered_per_s', 'latency_p50_ms', 'latency_p99_ms']);
    expect(r.figures.received).toBeGreaterThan(0);
  });

  it('dm-throughput and dm-latency over WebSocket deliver and lose nothing', {
    timeout: 150_000,
  }, async () => {
    const ws = [...TINY, '--duration', '1', '--transport', 'ws'];
    const throughput = await runClean(
      ['dm-throughput', ...ws, '--window', '4', '--warmup', '0.5'],
      ['delivered_per_s', 'server_us_per_msg', 'latency_p99_ms'],
      60_000,
    );
    const latency = await runClean(
      ['dm-latency', ...ws, '--rate', '20', '--warmup', '0.2'],
      ['delivered_per_s', 'server_us_per_msg', 'latency_p99_ms'],
      60_000,
    );
    for (const r of [throughput, latency]) {
      // The server counted every session on /ws: the clients did not fall back to TCP.
      expect(r.figures.transport_sessions).toBe(6);
      expect(r.figures.received).toBeGreaterThan(0);
      expect(r.figures.acked).toBe(r.figures.received);
    }
  });

  it('--vs-transport runs tcp and ws in turn and reports ws ÷ tcp', {
    timeout: 90_000,
  }, async () => {
    const args = ['dm-throughput', ...TINY, '--window', '4', '--duration', '1', '--warmup', '0.5'];
    const { code, output, records } = await bench([...args, '--vs-transport'], 80_000);
    expect(code, output).toBe(0);
    expect(records.map((r) => r.variant)).toEqual(['tcp', 'ws']);
    for (const r of records) {
      expect(r.errors, JSON.stringify(r)).toEqual({});
      expect(r.figures.lost).toBe(0);
      expect(r.figures.transport_sessions).toBe(6);
    }
    const [tcp, ws] = records as [BenchRecord, BenchRecord];
    const ratio = (ws.figures.server_us_per_msg ?? 0) / (tcp.figures.server_us_per_msg ?? 1);
    expect(ws.figures.cpu_ratio).toBeCloseTo(ratio, 9);
    expect(tcp.figures.cpu_ratio).toBe(1);
    expect(output).toMatch(/ws vs tcp: medians of 1 runs each/);
    expect(output).toMatch(/tcp +[\d.,]+ +1× +/);
  });

  it('idle-sessions reports memory per session', { timeout: 30_000 }, async () => {
    const figures = ['server_rss_before_mib', 'server_rss_after_mib', 'bytes_per_session'];
    await runClean(['idle-sessions', ...TINY], [...figures, 'generator_rss_mib']);
  });

  it('login-storm answers ok or server_busy until every login is in', {
    timeout: 30_000,
  }, async () => {
    const figures = ['logins_ok', 'first_round_busy', 'busy_answers', 'logins_per_s', 'lag_p99_ms'];
    const r = await runClean(['login-storm', ...TINY], [...figures, 'lag_max_ms']);
    expect(r.figures.logins_ok).toBe(6);
    expect(r.figures.busy_answers).toBeGreaterThanOrEqual(r.figures.first_round_busy ?? 0);
  });

  it('fanout: every session gets shutdown and the server exits', { timeout: 30_000 }, async () => {
    const figures = ['shutdown_first_ms', 'shutdown_median_ms', 'shutdown_p99_ms'];
    const r = await runClean(
      ['fanout', ...TINY],
      [...figures, 'shutdown_last_ms', 'server_exit_ms'],
    );
    expect(r.figures.received_shutdown).toBe(6);
  });

  it('group-fanout: every member gets every group message once', {
    timeout: 30_000,
  }, async () => {
    const args = ['group-fanout', '--members', '5', '--threads', '1', '--rate', '20'];
    const timing = ['--duration', '1', '--warmup', '0.3'];
    const figures = [
      'delivered_per_s',
      'latency_p99_ms',
      'server_us_per_delivery',
      'generator_us_per_delivery',
      'ping_rtt_max_ms',
      'lag_max_ms',
      'other_cpu_s',
    ];
    const r = await runClean([...args, ...timing], figures);
    expect(r.figures.members).toBe(5);
    expect(r.figures.sent_ok).toBeGreaterThan(0);
    // Every member online: the reply's `online` counts all five, and each got every message.
    expect(r.figures.online_mean).toBe(5);
    expect(r.figures.expected).toBe((r.figures.sent_ok ?? 0) * 5);
    expect(r.figures.received).toBe(r.figures.expected);
    expect(r.figures.acks_sent).toBeGreaterThan(0);
  });

  it('refuses a bad command line with status 2', { timeout: 120_000 }, async () => {
    const { code, output } = await bench(['dm-throughput', '--clients', '0']);
    expect(code).toBe(2);
    expect(output).toMatch(/--clients must be/);
    const store = await bench(['dm-throughput', '--store', 'maybe']);
    expect(store.code).toBe(2);
    expect(store.output).toMatch(/--store must be one of on, off/);
    const compare = await bench(['replay', '--compare', 'store']);
    expect(compare.code).toBe(2);
    expect(compare.output).toMatch(/--compare is for dm-throughput and dm-latency/);
    const members = await bench(['replay', '--members', '10']);
    expect(members.code).toBe(2);
    expect(members.output).toMatch(/--members is for the group-fanout scenario/);
    const transport = await bench(['replay', '--transport', 'ws']);
    expect(transport.code).toBe(2);
    expect(transport.output).toMatch(/--transport and --vs-transport are for dm-throughput/);
    const both = await bench(['dm-latency', '--vs-transport', '--transport', 'ws']);
    expect(both.code).toBe(2);
    expect(both.output).toMatch(/--vs-transport runs both transports/);
  });
});
