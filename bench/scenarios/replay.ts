// replay: N users each with M stored messages waiting (written into the data dir
// through the server's own storage class before it starts); all N verify their
// password, then send set_user at the same moment. Measures messages replayed per
// second until every client has its replay to the end (synced, then sync while
// more), and the server's event-loop lag meanwhile. Recipients ack as they go.
import { join } from 'node:path';
import { nowUs } from '../lib/bench-client.ts';
import { startLagWindow } from '../lib/lag.ts';
import type { BenchOptions } from '../lib/options.ts';
import { threadsFor } from '../lib/options.ts';
import { startPingProbe } from '../lib/ping-probe.ts';
import { LoadPool } from '../lib/pool.ts';
import type { RunOutcome } from '../lib/report.ts';
import { BENCH_PASSWORD, type SeedTarget } from '../lib/seed.ts';
import { fillMessages } from '../lib/seed-messages.ts';
import { collect, startMeter } from '../lib/tally.ts';
import { withServer } from './common.ts';

/** Lead time between telling the threads and the set_user storm, so they all start together. */
const STORM_LEAD_US = 200_000;

/** One replay run with `clients` users of `options.messages` stored messages each. */
export function replay(options: BenchOptions, clients: number): Promise<RunOutcome> {
  const perUser = options.messages;
  const prepare = (target: SeedTarget) =>
    fillMessages(join(target.dataDir, 'super-server.db'), clients, perUser, options.sync);
  return withServer(
    options,
    clients,
    false,
    async ({ server }) => {
      const threads = threadsFor(options, clients);
      const pool = LoadPool.start(
        { transport: 'tcp', port: server.port },
        clients,
        threads,
        BENCH_PASSWORD,
      );
      try {
        await pool.ready();
        const setupStart = performance.now();
        await pool.all({ cmd: 'verify' });
        const setupSeconds = (performance.now() - setupStart) / 1000;
        const lagWindow = await startLagWindow(server.metricsPort);
        const probe = await startPingProbe(server.port);
        const meter = startMeter(server.pid);
        const atUs = nowUs() + STORM_LEAD_US;
        await pool.all({ cmd: 'set-user-storm', atUs });
        const use = meter.stop();
        const pingMaxMs = await probe.stop();
        const lag = await lagWindow.stop();
        const unackedReplies = (await pool.all<number>({ cmd: 'drain-acks' })).reduce(
          (a, b) => a + b,
          0,
        );
        const tally = await collect(pool);
        if (unackedReplies > 0) tally.errors.ack_no_reply = unackedReplies;
        const stored = clients * perUser;
        const replaySeconds = (tally.lastCaughtUpUs - atUs) / 1e6;
        const figures: Record<string, number> = {
          clients,
          messages_per_user: perUser,
          stored,
          replayed: tally.replayed,
          caught_up: tally.caughtUp,
          replay_s: replaySeconds,
          replayed_per_s: tally.replayed / replaySeconds,
          lag_p99_ms: lag.lag_p99_ms,
          lag_max_ms: lag.lag_max_ms,
          ping_rtt_max_ms: pingMaxMs,
          server_us_per_msg: (use.server_cpu_s * 1e6) / tally.replayed,
          acks_sent: tally.acksSent,
          received: tally.received,
          lost: stored - tally.replayed,
          errors: Object.values(tally.errors).reduce((a, b) => a + b, 0),
          ...use,
          setup_s: setupSeconds,
        };
        if (tally.caughtUp < clients) tally.errors.not_caught_up = clients - tally.caughtUp;
        const notes = lag.note === undefined ? [] : [lag.note];
        return { figures, errors: tally.errors, samples: tally.samples, notes };
      } finally {
        await pool.stop();
      }
    },
    prepare,
  );
}
