// dm-throughput: every client keeps --window message_user requests outstanding
// to a partner half the clients away; delivered messages/s counted at receivers.
import type { BenchOptions } from '../lib/options.ts';
import type { RunOutcome } from '../lib/report.ts';
import { withServer } from './common.ts';
import { runMessaging } from './messaging.ts';

/** One dm-throughput run with `clients` clients. */
export function dmThroughput(options: BenchOptions, clients: number): Promise<RunOutcome> {
  return withServer(options, clients, false, (env) =>
    runMessaging(env, { cmd: 'window', window: options.window, clientIds: options.clientIds }),
  );
}
