// The measured direct-message run both dm scenarios share: warm up, measure,
// stop sending, wait for the replies and the last deliveries, account for loss.
import { nowUs } from '../lib/bench-client.ts';
import type { LoadEnd, RateCommand, WindowCommand } from '../lib/pool-protocol.ts';
import type { RunOutcome } from '../lib/report.ts';
import { settle, startMeter } from '../lib/tally.ts';
import { loggedInPool, type RunEnv, sleepUntilUs } from './common.ts';

/** How the clients send: a window of outstanding requests, or a fixed rate. */
export type SendPattern = { cmd: 'window'; window: number } | { cmd: 'rate'; rate: number };

/** Logs everyone in, sends for warmup + duration, and reports delivery, latency and loss. */
export async function runMessaging(env: RunEnv, pattern: SendPattern): Promise<RunOutcome> {
  const { options, clients, server } = env;
  const { pool, setupSeconds } = await loggedInPool(env);
  try {
    const startUs = nowUs() + 20_000;
    const fromUs = startUs + options.warmup * 1e6;
    const untilUs = fromUs + options.duration * 1e6;
    const command: WindowCommand | RateCommand = { ...pattern, fromUs, untilUs };
    const sending = pool.all<LoadEnd>(command);
    await sleepUntilUs(fromUs);
    const meter = startMeter(server.pid);
    await sleepUntilUs(untilUs);
    const use = meter.stop();
    const ends = await sending;
    const tally = await settle(pool);
    const unanswered = ends.reduce((sum, end) => sum + end.outstanding, 0);
    if (unanswered > 0) tally.errors.no_reply = unanswered;
    const q = (p: number) => tally.latency.quantile(p) / 1000;
    const figures: Record<string, number> = {
      clients,
      delivered_per_s: tally.receivedInWindow / options.duration,
      latency_p50_ms: q(0.5),
      latency_p90_ms: q(0.9),
      latency_p99_ms: q(0.99),
      latency_max_ms: tally.latency.total > 0 ? tally.latency.max / 1000 : Number.NaN,
      sent: tally.sent,
      acked: tally.acked,
      received: tally.received,
      lost: tally.acked - tally.received,
      errors: Object.values(tally.errors).reduce((a, b) => a + b, 0),
      ...use,
      window_s: options.duration,
      setup_s: setupSeconds,
    };
    if (pattern.cmd === 'rate') {
      figures.offered_per_s = clients * pattern.rate;
      figures.send_late_max_ms = tally.maxSendLateUs / 1000;
      figures.sends_skipped = tally.skipped;
    }
    const notes: string[] = [];
    if (tally.skipped > 0) notes.push('clients skipped sends: over 256 requests unanswered');
    return { figures, errors: tally.errors, samples: tally.samples, notes };
  } finally {
    await pool.stop();
  }
}
