// idle-sessions: N clients log in and stay idle (pinging every heartbeat
// interval); the server's RSS before and after gives the memory per session.
import { sleep } from '../lib/bench-client.ts';
import type { BenchOptions } from '../lib/options.ts';
import { sampleTree } from '../lib/proc.ts';
import type { RunOutcome } from '../lib/report.ts';
import { collect } from '../lib/tally.ts';
import { loggedInPool, startRunMeter, withServer } from './common.ts';

/** Quiet time after start-up (the server hashes its dummy password then) before the first sample. */
const STARTUP_SETTLE_MS = 1_000;
/** Quiet time after the last login before the second sample. */
const SETTLE_MS = 2_000;

/** One idle-sessions run with `clients` clients. */
export function idleSessions(options: BenchOptions, clients: number): Promise<RunOutcome> {
  return withServer(options, clients, false, async (env) => {
    await sleep(STARTUP_SETTLE_MS);
    const before = sampleTree(env.server.pid);
    const setupMeter = startRunMeter(env);
    const { pool, setupSeconds } = await loggedInPool(env);
    try {
      const setup = setupMeter.stop();
      const idleMeter = startRunMeter(env);
      await sleep(SETTLE_MS);
      const after = sampleTree(env.server.pid);
      const use = idleMeter.stop();
      const tally = await collect(pool);
      const mib = (bytes: number) => bytes / 2 ** 20;
      const figures: Record<string, number> = {
        clients,
        server_rss_before_mib: mib(before.rssBytes),
        server_rss_after_mib: mib(after.rssBytes),
        bytes_per_session: (after.rssBytes - before.rssBytes) / clients,
        generator_rss_mib: use.generator_rss_mib,
        lost: 0,
        errors: Object.values(tally.errors).reduce((a, b) => a + b, 0),
        server_cpu_s: use.server_cpu_s,
        server_rss_mib: use.server_rss_mib,
        server_processes: use.server_processes,
        generator_cpu_s: use.generator_cpu_s,
        window_s: SETTLE_MS / 1000,
        setup_s: setupSeconds,
        logins_per_s: clients / setupSeconds,
        server_cpu_setup_s: setup.server_cpu_s,
        pongs: tally.pongs,
      };
      const notes = [
        "server_cpu_s and generator_cpu_s cover the idle settle window; the RSS after includes whatever the logins' argon2 verifies left allocated",
      ];
      return { figures, errors: tally.errors, samples: tally.samples, notes };
    } finally {
      await pool.stop();
    }
  });
}
