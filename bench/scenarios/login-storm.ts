// login-storm: N connections read their hello, then all send veus at the same
// moment (set_user after a success). Each answer is ok or server_busy; a busy
// login is retried until it succeeds, so the storm lasts until all N are in.
// The event-loop lag during the storm comes from the server's metrics endpoint.
import { nowUs } from '../lib/bench-client.ts';
import { startLagWindow } from '../lib/lag.ts';
import type { BenchOptions } from '../lib/options.ts';
import { threadsFor } from '../lib/options.ts';
import { LoadPool } from '../lib/pool.ts';
import type { StormTally } from '../lib/pool-protocol.ts';
import type { RunOutcome } from '../lib/report.ts';
import { BENCH_PASSWORD } from '../lib/seed.ts';
import { collect } from '../lib/tally.ts';
import { startRunMeter, withServer } from './common.ts';

/** Lead time between telling the threads and the storm, so they all start together. */
const STORM_LEAD_US = 200_000;

/** One login-storm run with `clients` connections. */
export function loginStorm(options: BenchOptions, clients: number): Promise<RunOutcome> {
  return withServer(options, clients, false, async (env) => {
    const { server } = env;
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
      await pool.all({ cmd: 'hello' });
      const setupSeconds = (performance.now() - setupStart) / 1000;
      const lagWindow = await startLagWindow(server.metricsPort);
      const meter = startRunMeter(env);
      const atUs = nowUs() + STORM_LEAD_US;
      const storms = await pool.all<StormTally>({ cmd: 'storm', atUs });
      const use = meter.stop();
      const lag = await lagWindow.stop();
      const tally = await collect(pool);
      const ok = storms.reduce((sum, s) => sum + s.ok, 0);
      const busy = storms.reduce((sum, s) => sum + s.busy, 0);
      const firstBusy = storms.reduce((sum, s) => sum + s.firstBusy, 0);
      const lastAnswerUs = Math.max(...storms.map((s) => s.lastAnswerUs));
      const stormSeconds = (lastAnswerUs - atUs) / 1e6;
      const notes = lag.note === undefined ? [] : [lag.note];
      const failed = Object.values(tally.errors).reduce((a, b) => a + b, 0);
      if (ok + failed < clients) tally.errors['login:no_outcome'] = clients - ok - failed;
      const figures: Record<string, number> = {
        clients,
        logins_ok: ok,
        first_round_busy: firstBusy,
        busy_answers: busy,
        storm_s: stormSeconds,
        logins_per_s: ok / stormSeconds,
        lag_p99_ms: lag.lag_p99_ms,
        lag_max_ms: lag.lag_max_ms,
        lost: 0,
        errors: Object.values(tally.errors).reduce((a, b) => a + b, 0),
        ...use,
        setup_s: setupSeconds,
      };
      return { figures, errors: tally.errors, samples: tally.samples, notes };
    } finally {
      await pool.stop();
    }
  });
}
