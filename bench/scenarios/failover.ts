// failover: --nodes N (2 by default) on one PostgreSQL and one Redis; every client
// logs in on node 1 and sends --rate messages a second to a partner there; after
// --warmup + --duration seconds node 1 gets kill -9. Each client reconnects to node 2
// as the SDK does (backoff, veus + set_user again, replay), and the run measures the
// time from the kill until each client is served there (session set and a ping
// answered), and checks that every message acknowledged before the kill arrived in
// one of its recipient's sessions.
import { nowUs } from '../lib/bench-client.ts';
import type { FailoverTally } from '../lib/failover-clients.ts';
import type { BenchOptions } from '../lib/options.ts';
import { threadsFor } from '../lib/options.ts';
import { LoadPool } from '../lib/pool.ts';
import type { RunOutcome } from '../lib/report.ts';
import { BENCH_PASSWORD } from '../lib/seed.ts';
import { ackedNotReceived } from '../lib/seq-log.ts';
import { collect, startMeter } from '../lib/tally.ts';
import { clientEndpoint, sleepUntilUs, withServer } from './common.ts';

/** broker.heartbeat_timeout_s when --heartbeat-timeout is not given: the server's default. */
export const DEFAULT_LEASE_S = 15;
/** After the lease, how long the clients may take to be served (the SDK waits up to 30 s). */
const SERVE_MARGIN_MS = 60_000;

/** The q-quantile of `values` (nearest rank); NaN for none. */
function quantile(values: number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(0, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.min(sorted.length - 1, rank)] as number;
}

/** One failover run with `clients` clients on node 1. */
export function failover(options: BenchOptions, clients: number): Promise<RunOutcome> {
  return withServer(options, clients, false, async (env) => {
    const [victim, ...survivors] = env.nodes;
    const heir = survivors[0];
    if (!victim || !heir) throw new Error('failover needs two nodes');
    const threads = threadsFor(options, clients);
    const pool = LoadPool.start([clientEndpoint(env, victim)], clients, threads, BENCH_PASSWORD);
    try {
      await pool.ready();
      const setupStart = performance.now();
      await pool.all({ cmd: 'login' });
      const setupSeconds = (performance.now() - setupStart) / 1000;
      const leaseS = options.heartbeatTimeoutS ?? DEFAULT_LEASE_S;
      const killAtUs = nowUs() + 20_000 + (options.warmup + options.duration) * 1e6;
      const running = pool.all<FailoverTally>({
        cmd: 'failover',
        rate: options.rate,
        ackIntervalMs: options.ackMs,
        sendUntilUs: killAtUs + 5e6,
        reconnectTo: clientEndpoint(env, heir),
        limitMs: leaseS * 1000 + SERVE_MARGIN_MS,
      });
      await sleepUntilUs(killAtUs);
      const services = env.services ? () => env.services?.pids() ?? noPids : undefined;
      const meter = startMeter(
        survivors.map((node) => node.pid),
        services,
      );
      const killedUs = nowUs();
      victim.kill();
      const exit = await victim.exited;
      const tallies = await running;
      const use = meter.stop();
      const tally = await collect(pool);
      const sinceKill = (key: 'servedAtUs' | 'caughtUpAtUs' | 'closedAtUs') =>
        tallies.flatMap((t) => t[key]).map((us) => (us - killedUs) / 1000);
      const served = sinceKill('servedAtUs');
      const attempts = tallies.flatMap((t) => t.attempts);
      const check = ackedNotReceived(tallies.map((t) => t.log));
      if (check.missing > 0) tally.errors.acked_not_delivered = check.missing;
      if (exit.signal !== 'SIGKILL') tally.errors.victim_not_killed = 1;
      const figures: Record<string, number> = {
        clients,
        heartbeat_timeout_s: leaseS,
        failover_first_ms: quantile(served, 0),
        failover_p50_ms: quantile(served, 0.5),
        failover_p99_ms: quantile(served, 0.99),
        failover_last_ms: quantile(served, 1),
        served: served.filter((ms) => !Number.isNaN(ms)).length,
        caught_up_last_ms: quantile(sinceKill('caughtUpAtUs'), 1),
        closed_last_ms: quantile(sinceKill('closedAtUs'), 1),
        attempts_mean: attempts.reduce((a, b) => a + b, 0) / Math.max(1, attempts.length),
        attempts_max: Math.max(0, ...attempts),
        acked_before_kill: check.acked,
        acked_delivered: check.acked - check.missing,
        lost: check.missing,
        unanswered_at_kill: tallies.reduce((a, t) => a + t.unanswered, 0),
        sent: tally.sent,
        received: tally.received,
        replayed: tally.replayed,
        errors: Object.values(tally.errors).reduce((a, b) => a + b, 0),
        ...use,
        setup_s: setupSeconds,
      };
      const notes = [
        'server_cpu_s, postgres_cpu_s and redis_cpu_s: the surviving node(s), PostgreSQL and Redis from the kill until the last client was served',
      ];
      return { figures, errors: tally.errors, samples: tally.samples, notes };
    } finally {
      await pool.stop();
    }
  });
}

const noPids = { postgres: undefined, redis: undefined };
