// The measured direct-message run both dm scenarios share: warm up, measure,
// stop sending, wait for the replies and the last deliveries, account for loss.
import { nowUs } from '../lib/bench-client.ts';
import { startNodesLagWindow } from '../lib/lag.ts';
import { scrapeMetrics, sumSeries } from '../lib/metrics.ts';
import {
  type LoadEnd,
  nodeOfClient,
  type RateCommand,
  type WindowCommand,
} from '../lib/pool-protocol.ts';
import type { RunOutcome } from '../lib/report.ts';
import type { BenchServer } from '../lib/server.ts';
import { collect, settle } from '../lib/tally.ts';
import { loggedInPool, type RunEnv, sleepUntilUs, startRunMeter } from './common.ts';

/**
 * The sessions the server counts on the run's --transport once everyone is logged
 * in (its connections gauge): proof the clients spoke that transport. NaN without
 * a metrics endpoint or that gauge (the baseline).
 */
async function sessionsOn(env: RunEnv): Promise<number> {
  const counts = await Promise.all(env.nodes.map((node) => nodeSessionsOn(env, node)));
  return counts.reduce((a, b) => a + b, 0);
}

/** The sessions one node counts on the run's --transport (NaN without its gauge). */
async function nodeSessionsOn(env: RunEnv, node: BenchServer): Promise<number> {
  const port = node.metricsPort;
  if (port === undefined) return Number.NaN;
  const text = await scrapeMetrics(port).catch(() => '');
  const labels = [`transport="${env.options.transport}"`, 'state="session"'];
  return sumSeries(text, 'super_server_connections', labels);
}

/** The share of clients whose partner (half the clients away) is on another node. */
function crossNodeShare(clients: number, nodes: number): number {
  let cross = 0;
  for (let i = 0; i < clients; i++) {
    const partner = (i + Math.floor(clients / 2)) % clients;
    if (nodeOfClient(i, clients, nodes) !== nodeOfClient(partner, clients, nodes)) cross++;
  }
  return cross / clients;
}

/** How the clients send: a window of outstanding requests, or a fixed rate. */
export type SendPattern =
  | { cmd: 'window'; window: number; clientIds: boolean }
  | { cmd: 'rate'; rate: number; ackIntervalMs: number; clientIds: boolean };

/**
 * Logs everyone in, sends for warmup + duration, and reports delivery, latency,
 * loss, server CPU per delivered message and the event-loop lag of the measured
 * window. Recipients ack what they get per conversation once 64 are unacked, else
 * (window) on a 100 ms timer for all, or (rate) each as the SDK does: after a random
 * wait between half of --ack-ms and all of it.
 */
export async function runMessaging(env: RunEnv, pattern: SendPattern): Promise<RunOutcome> {
  const { options, clients } = env;
  const { pool, setupSeconds } = await loggedInPool(env);
  try {
    const transportSessions = await sessionsOn(env);
    const startUs = nowUs() + 20_000;
    const fromUs = startUs + options.warmup * 1e6;
    const untilUs = fromUs + options.duration * 1e6;
    const command: WindowCommand | RateCommand = { ...pattern, fromUs, untilUs };
    const sending = pool.all<LoadEnd>(command);
    await sleepUntilUs(fromUs);
    const lagWindow = await startNodesLagWindow(env);
    const meter = startRunMeter(env);
    await sleepUntilUs(untilUs);
    const use = meter.stop();
    const lag = await lagWindow.stop();
    const ends = await sending;
    await settle(pool);
    const ackless = (await pool.all<number>({ cmd: 'drain-acks' })).reduce((a, b) => a + b, 0);
    const tally = await collect(pool);
    const unanswered = ends.reduce((sum, end) => sum + end.outstanding, 0);
    if (unanswered > 0) tally.errors.no_reply = unanswered;
    if (ackless > 0) tally.errors.ack_no_reply = ackless;
    const q = (p: number) => tally.latency.quantile(p) / 1000;
    const figures: Record<string, number> = {
      clients,
      delivered_per_s: tally.receivedInWindow / options.duration,
      latency_p50_ms: q(0.5),
      latency_p90_ms: q(0.9),
      latency_p99_ms: q(0.99),
      latency_max_ms: tally.latency.total > 0 ? tally.latency.max / 1000 : Number.NaN,
      // The window's second half alone: how much of the p99 is the start of the load.
      latency_p99_second_half_ms: tally.latencySecondHalf.quantile(0.99) / 1000,
      server_us_per_msg: (use.server_cpu_s * 1e6) / tally.receivedInWindow,
      lag_p99_ms: lag.lag_p99_ms,
      lag_max_ms: lag.lag_max_ms,
      sent: tally.sent,
      acked: tally.acked,
      received: tally.received,
      lost: tally.acked - tally.received,
      acks_sent: tally.acksSent,
      errors: Object.values(tally.errors).reduce((a, b) => a + b, 0),
      ...use,
      window_s: options.duration,
      setup_s: setupSeconds,
      transport_sessions: transportSessions,
    };
    const servicesCpu = (use.postgres_cpu_s ?? 0) + (use.redis_cpu_s ?? 0);
    if (use.postgres_cpu_s !== undefined || use.redis_cpu_s !== undefined) {
      // PostgreSQL and Redis are part of the cost: their CPU per delivered message, and the sum.
      figures.services_us_per_msg = (servicesCpu * 1e6) / tally.receivedInWindow;
      figures.total_us_per_msg = ((use.server_cpu_s + servicesCpu) * 1e6) / tally.receivedInWindow;
    }
    if (env.nodes.length > 1) {
      figures.cross_node_share = crossNodeShare(clients, env.nodes.length);
      const perNode = await Promise.all(env.nodes.map((node) => nodeSessionsOn(env, node)));
      figures.node_sessions_min = Math.min(...perNode);
    }
    if (pattern.cmd === 'rate') {
      figures.offered_per_s = clients * pattern.rate;
      figures.send_late_max_ms = tally.maxSendLateUs / 1000;
      figures.sends_skipped = tally.skipped;
    }
    const notes: string[] = lag.note === undefined ? [] : [lag.note];
    if (tally.skipped > 0) notes.push('clients skipped sends: over 256 requests unanswered');
    return { figures, errors: tally.errors, samples: tally.samples, notes };
  } finally {
    await pool.stop();
  }
}
