// fanout: N sessions and one admin; the admin sends kill_server and every
// session must get the `shutdown` event. Times from the send to each receipt,
// and until the server process exits.
import { authenticate, BenchClient, nowUs, readHello, sleep } from '../lib/bench-client.ts';
import type { BenchOptions } from '../lib/options.ts';
import type { RunOutcome } from '../lib/report.ts';
import { ADMIN_NAME, BENCH_PASSWORD } from '../lib/seed.ts';
import { collect, type MergedTally, startMeter } from '../lib/tally.ts';
import { loggedInPool, withServer } from './common.ts';

/** How long to wait for every shutdown event, and for the process to exit (protocol: 5 s). */
const SHUTDOWN_WAIT_MS = 10_000;
const EXIT_WAIT_MS = 15_000;

/** The value at quantile q of sorted `values` (nearest rank). */
function nearestRank(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ] as number;
}

/** The admin's next reply, skipping events (its replay's `synced`, the shutdown notice). */
async function nextReply(admin: BenchClient) {
  for (;;) {
    const frame = await admin.next(SHUTDOWN_WAIT_MS);
    if (frame.kind !== 'event') return frame;
  }
}

/** One fanout run with `clients` sessions plus the admin. */
export function fanout(options: BenchOptions, clients: number): Promise<RunOutcome> {
  return withServer(options, clients, true, async (env) => {
    const { server } = env;
    const { pool, setupSeconds } = await loggedInPool(env);
    try {
      await pool.all({ cmd: 'expect-shutdown' });
      const admin = await BenchClient.connect(server.port);
      await readHello(admin);
      await authenticate(admin, ADMIN_NAME, BENCH_PASSWORD, true);
      const meter = startMeter(server.pid);
      const sentMs = performance.now();
      const sentUs = nowUs();
      admin.send('kill_server', ['bench'], 'k');
      const reply = nextReply(admin).catch(() => undefined);
      let tally: MergedTally = await collect(pool);
      let use = meter.stop();
      const deadline = performance.now() + SHUTDOWN_WAIT_MS;
      while (tally.shutdowns < clients && performance.now() < deadline) {
        await sleep(25);
        const partial = meter.stop();
        if (partial.server_processes > 0) use = partial;
        tally = await collect(pool);
      }
      const exitWait = sleep(EXIT_WAIT_MS).then(() => undefined);
      const exit = await Promise.race([server.exited, exitWait]);
      const answer = await reply;
      if (answer?.kind !== 'reply' || !answer.reply.ok) {
        const code =
          answer?.kind === 'reply' && !answer.reply.ok ? answer.reply.error.code : 'none';
        tally.errors[`kill_server:${code}`] = 1;
      }
      admin.close();
      if (!exit) tally.errors['server:did_not_exit'] = 1;
      else if (exit.code !== 0) tally.errors[`server:exit_${exit.code ?? exit.signal}`] = 1;
      const delays = tally.shutdownAtUs
        .filter((at) => !Number.isNaN(at))
        .map((at) => (at - sentUs) / 1000)
        .sort((a, b) => a - b);
      const figures: Record<string, number> = {
        clients,
        received_shutdown: delays.length,
        shutdown_first_ms: nearestRank(delays, 0),
        shutdown_median_ms: nearestRank(delays, 0.5),
        shutdown_p99_ms: nearestRank(delays, 0.99),
        shutdown_last_ms: nearestRank(delays, 1),
        server_exit_ms: exit ? exit.atMs - sentMs : Number.NaN,
        lost: clients - delays.length,
        errors: Object.values(tally.errors).reduce((a, b) => a + b, 0),
        ...use,
        setup_s: setupSeconds,
      };
      const notes = ['server_cpu_s/server_rss_mib: last sample before the server exited'];
      return { figures, errors: tally.errors, samples: tally.samples, notes };
    } finally {
      await pool.stop();
    }
  });
}
