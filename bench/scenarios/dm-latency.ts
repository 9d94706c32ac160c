// dm-latency: every client sends --rate messages a second (open loop, random
// phase) to a partner half the clients away; latency measured at receivers.
import type { BenchOptions } from '../lib/options.ts';
import type { RunOutcome } from '../lib/report.ts';
import { withServer } from './common.ts';
import { runMessaging } from './messaging.ts';

/** One dm-latency run with `clients` clients. */
export function dmLatency(options: BenchOptions, clients: number): Promise<RunOutcome> {
  return withServer(options, clients, false, (env) =>
    runMessaging(env, {
      cmd: 'rate',
      rate: options.rate,
      ackIntervalMs: options.ackMs,
      clientIds: options.clientIds,
    }),
  );
}
