// group-fanout: one sender and one group (#global) with N online members. The
// sender sends message_group at a fixed rate (open loop); every member must get
// every message once, in seq order, and acks in batches as the SDK does (once 64
// are unacked, else after a random wait between half of --ack-ms and all of it from
// its first unacked message; default 1,000 like the SDK's ackDelayMs). Measures
// deliveries/s at the receivers, delivery latency, server CPU per delivery, the
// generator's CPU, and the longest event-loop stall (a probe pinging every 20 ms,
// and the /metrics lag histogram).
import { nowUs, sleep } from '../lib/bench-client.ts';
import { GroupSender } from '../lib/group-sender.ts';
import { startLagWindow } from '../lib/lag.ts';
import type { BenchOptions } from '../lib/options.ts';
import { startPingProbe } from '../lib/ping-probe.ts';
import type { RunOutcome } from '../lib/report.ts';
import { BENCH_PASSWORD, type SeedTarget, seedExtraUser } from '../lib/seed.ts';
import { collect, type MergedTally } from '../lib/tally.ts';
import { loggedInPool, sleepUntilUs, startRunMeter, withServer } from './common.ts';

/** The group: #global holds every seeded account, so the N members plus the sender. */
const GROUP = '#global';
/** The sender, a basic account seeded beside the members. */
const SENDER_NAME = 'benchsender';
/** After the last reply, how long deliveries may take to land before the rest counts as lost. */
const SETTLE_MAX_MS = 30_000;
/** ... unless nothing came for this long (longer than any stall seen: a stall is not an end). */
const SETTLE_IDLE_MS = 3_000;

/** Waits until the members received `expected` messages, or nothing came for 3 s, or the limit. */
async function settleDeliveries(
  collectNow: () => Promise<MergedTally>,
  expected: number,
): Promise<MergedTally> {
  const deadline = performance.now() + SETTLE_MAX_MS;
  let tally = await collectNow();
  let stableSince = performance.now();
  while (tally.received < expected && performance.now() < deadline) {
    await sleep(100);
    const next = await collectNow();
    if (next.received !== tally.received) stableSince = performance.now();
    tally = next;
    if (performance.now() - stableSince >= SETTLE_IDLE_MS) break;
  }
  return tally;
}

/** One group-fanout run with `members` online members. */
export function groupFanout(options: BenchOptions, members: number): Promise<RunOutcome> {
  const prepare = async (target: SeedTarget) => {
    await seedExtraUser(target, SENDER_NAME);
    return {};
  };
  return withServer(
    options,
    members,
    false,
    async (env) => {
      const { server } = env;
      const { pool, setupSeconds } = await loggedInPool(env);
      try {
        const sender = await GroupSender.login(server.port, SENDER_NAME, BENCH_PASSWORD);
        const startUs = nowUs() + 50_000;
        const fromUs = startUs + options.warmup * 1e6;
        const untilUs = fromUs + options.duration * 1e6;
        await pool.all({ cmd: 'receive', fromUs, untilUs, ackIntervalMs: options.ackMs });
        await sleepUntilUs(startUs);
        const sending = sender.run(GROUP, options.rate, untilUs);
        await sleepUntilUs(fromUs);
        const lagWindow = await startLagWindow(server.metricsPort);
        const probe = await startPingProbe(server.port);
        const meter = startRunMeter(env);
        await sleepUntilUs(untilUs);
        const use = meter.stop();
        const sent = await sending;
        const expected = sent.ok * members;
        let tally = await settleDeliveries(() => collect(pool), expected);
        const pingMaxMs = await probe.stop();
        const lag = await lagWindow.stop();
        const ackless = (await pool.all<number>({ cmd: 'drain-acks' })).reduce((a, b) => a + b, 0);
        tally = await collect(pool);
        sender.close();
        const errors = { ...tally.errors, ...sent.errors };
        if (ackless > 0) errors.ack_no_reply = ackless;
        if (sent.outstanding > 0) errors.sender_no_reply = sent.outstanding;
        if (tally.received > expected) errors.more_than_sent = tally.received - expected;
        const onlineMean = sent.ok > 0 ? sent.onlineSum / sent.ok : Number.NaN;
        if (sent.ok > 0 && onlineMean !== members) errors.online_not_members = 1;
        const q = (p: number) => tally.latency.quantile(p) / 1000;
        const figures: Record<string, number> = {
          members,
          sender_rate: options.rate,
          offered_per_s: options.rate * members,
          delivered_per_s: tally.receivedInWindow / options.duration,
          latency_p50_ms: q(0.5),
          latency_p90_ms: q(0.9),
          latency_p99_ms: q(0.99),
          latency_max_ms: tally.latency.total > 0 ? tally.latency.max / 1000 : Number.NaN,
          server_us_per_delivery: (use.server_cpu_s * 1e6) / tally.receivedInWindow,
          generator_us_per_delivery: (use.generator_cpu_s * 1e6) / tally.receivedInWindow,
          ping_rtt_max_ms: pingMaxMs,
          lag_p99_ms: lag.lag_p99_ms,
          lag_max_ms: lag.lag_max_ms,
          sent: sent.sent,
          sent_ok: sent.ok,
          online_mean: onlineMean,
          send_late_max_ms: sent.maxLateUs / 1000,
          sends_skipped: sent.skipped,
          expected,
          received: tally.received,
          lost: Math.max(0, expected - tally.received),
          acks_sent: tally.acksSent,
          acks_per_delivery: tally.acksSent / Math.max(1, tally.received),
          errors: Object.values(errors).reduce((a, b) => a + b, 0),
          ...use,
          window_s: options.duration,
          setup_s: setupSeconds,
        };
        const notes = lag.note === undefined ? [] : [lag.note];
        if (sent.skipped > 0) notes.push('the sender skipped sends: over 1,024 unanswered');
        return {
          figures,
          errors,
          samples: [...tally.samples, ...sent.samples],
          notes,
        };
      } finally {
        await pool.stop();
      }
    },
    prepare,
  );
}
