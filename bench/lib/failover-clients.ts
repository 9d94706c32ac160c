// The generator thread's side of the failover scenario: its clients, logged in on
// the node that will die, send at a fixed rate until their socket closes; then each
// reconnects to the other node as the SDK does (its backoff with equal jitter, a
// fresh veus + set_user each attempt, retrying already_logged_in and server_busy),
// reads its replay and counts as served once a ping is answered there.
import { backoffDelay } from '../../src/client/options.ts';
import {
  authenticate,
  BenchClient,
  type Endpoint,
  LoginError,
  nowUs,
  readHello,
  sleep,
} from './bench-client.ts';
import { stampedText } from './load-patterns.ts';
import { type LoadState, MESSAGE_TAG, PING_TAG } from './load-state.ts';
import { type SeqLogData, seqLogData } from './seq-log.ts';

/** Login answers the SDK retries with its backoff (src/client/resume.ts RETRY_CODES). */
const RETRY_CODES = new Set(['already_logged_in', 'server_busy', 'rate_limited', 'internal_error']);
/** An open-loop client skips a send past this many unanswered requests. */
const MAX_OUTSTANDING = 256;

/** The failover command: send, then reconnect to `reconnectTo` once the node is gone. */
export interface FailoverCommand {
  cmd: 'failover';
  /** Messages per second per client, from a random phase, until the socket closes. */
  rate: number;
  /** Each receiver acks as the SDK does, within this many ms. */
  ackIntervalMs: number;
  /** Nobody sends after this (the kill comes before it); a bound, not the plan. */
  sendUntilUs: number;
  /** The surviving node's endpoint. */
  reconnectTo: Endpoint;
  /** How long after its socket closed a client may take to be served and caught up. */
  limitMs: number;
}

/** What one thread reports: per client the instants (µs; NaN: never) and the seq log. */
export interface FailoverTally {
  closedAtUs: number[];
  servedAtUs: number[];
  caughtUpAtUs: number[];
  attempts: number[];
  /** Sends without a reply when the socket closed (never acknowledged). */
  unanswered: number;
  log: SeqLogData;
}

/** What the thread's clients are and how it hands a client to the line handler. */
export interface FailoverContext {
  clients: Array<BenchClient | undefined>;
  state: LoadState;
  /** Sets the partner and the line handler of a logged-in client; `onClose` replaces the default. */
  goLive(client: BenchClient, slot: number, onClose: () => void): void;
  username(slot: number): string;
  password: string;
}

/** Runs the failover for every client of the thread; resolves when all are done or gave up. */
export async function runFailover(
  ctx: FailoverContext,
  command: FailoverCommand,
): Promise<FailoverTally> {
  const { state } = ctx;
  state.seqLog = { acked: new Map(), received: new Map() };
  state.sdkAckDelayMs = command.ackIntervalMs;
  const count = ctx.clients.length;
  const nan = () => new Array<number>(count).fill(Number.NaN);
  const tally: FailoverTally = {
    closedAtUs: nan(),
    servedAtUs: nan(),
    caughtUpAtUs: nan(),
    attempts: new Array<number>(count).fill(0),
    unanswered: 0,
    log: { acked: {}, received: {} },
  };
  const done = ctx.clients.map((client, slot) => {
    if (!client) return Promise.resolve();
    return new Promise<void>((resolve) => {
      client.onClose = () => {
        tally.closedAtUs[slot] = nowUs();
        tally.unanswered += client.outstanding;
        void reconnect(ctx, command, slot, tally).then(resolve);
      };
      if (client.closed) client.onClose();
      else sendAtRate(client, state, command);
    });
  });
  await Promise.all(done);
  tally.log = seqLogData(state.seqLog);
  return tally;
}

/** Sends `rate` messages a second to the client's partner until its socket closes. */
function sendAtRate(client: BenchClient, state: LoadState, command: FailoverCommand): void {
  const intervalUs = 1e6 / command.rate;
  const tick = (dueUs: number) => {
    setTimeout(
      () => {
        if (client.closed || nowUs() >= command.sendUntilUs) return;
        if (client.outstanding < MAX_OUTSTANDING) {
          client.send('message_user', [client.partner, stampedText()], MESSAGE_TAG);
          client.outstanding += 1;
          state.sent += 1;
        } else state.skipped += 1;
        tick(dueUs + intervalUs);
      },
      Math.max(0, (dueUs - nowUs()) / 1000),
    );
  };
  tick(nowUs() + Math.random() * intervalUs);
}

/**
 * One client's way back: backoff, connect to the surviving node, veus + set_user, then a
 * ping; retried as the SDK retries, until served and caught up or past the limit.
 */
async function reconnect(
  ctx: FailoverContext,
  command: FailoverCommand,
  slot: number,
  tally: FailoverTally,
): Promise<void> {
  const giveUpAt = performance.now() + command.limitMs;
  for (let attempt = 1; performance.now() < giveUpAt; attempt++) {
    await sleep(backoffDelay(attempt, {}, Math.random));
    tally.attempts[slot] = attempt;
    let client: BenchClient | undefined;
    try {
      client = await BenchClient.connectTo(command.reconnectTo);
      await readHello(client);
      const verified = await authenticate(client, ctx.username(slot), ctx.password, false);
      if (verified === 'busy') throw new LoginError('server_busy');
    } catch (err) {
      client?.close();
      const code = err instanceof LoginError ? err.code.replace(/^set_user:/, '') : 'connect';
      if (code !== 'connect' && !RETRY_CODES.has(code)) {
        ctx.state.fail(`failover:login:${code}`);
        return;
      }
      continue;
    }
    await servedOn(ctx, client, slot, tally, giveUpAt);
    return;
  }
  ctx.state.fail('failover:not_served');
}

/** Waits (bounded) for the new session's ping answer and the end of its replay. */
async function servedOn(
  ctx: FailoverContext,
  client: BenchClient,
  slot: number,
  tally: FailoverTally,
  giveUpAt: number,
): Promise<void> {
  ctx.clients[slot] = client;
  client.onPong = () => {
    if (Number.isNaN(tally.servedAtUs[slot] ?? 0)) tally.servedAtUs[slot] = nowUs();
  };
  ctx.goLive(client, slot, () => {
    if (!ctx.state.closing) ctx.state.fail('failover:closed_on_the_surviving_node');
  });
  client.send('ping', [], PING_TAG);
  while (performance.now() < giveUpAt && !client.closed) {
    if (client.caughtUp && Number.isNaN(tally.caughtUpAtUs[slot] ?? 0)) {
      tally.caughtUpAtUs[slot] = nowUs();
    }
    if (!Number.isNaN(tally.servedAtUs[slot] ?? 0) && client.caughtUp) return;
    await sleep(10);
  }
  ctx.state.fail(client.closed ? 'failover:closed_before_served' : 'failover:not_caught_up');
}
