// The messages between the main thread and the load-generator threads.
import type { Endpoint } from './bench-client.ts';
import type { FailoverCommand } from './failover-clients.ts';

/** What a generator thread is started with. */
export interface WorkerSetup {
  /** Where clients connect: one endpoint per node; client i on nodeOfClient(i, total, n). */
  endpoints: Endpoint[];
  password: string;
  /** The thread's clients are global indexes first … first+count-1 of total. */
  first: number;
  count: number;
  total: number;
}

/**
 * The node (index into the endpoints) of client `index` of `total` on `nodes` nodes: clients
 * in blocks of total ÷ nodes, so a client's partner half the clients away is on another node.
 */
export function nodeOfClient(index: number, total: number, nodes: number): number {
  return Math.min(nodes - 1, Math.floor((index * nodes) / total));
}

/** Closed-loop load: each client keeps `window` message_user requests outstanding. */
export interface WindowCommand {
  cmd: 'window';
  window: number;
  /** Every send carries a client_id (unique per sender), as the SDK's do. */
  clientIds: boolean;
  /** Receipts in [fromUs, untilUs) count; sending stops at untilUs. */
  fromUs: number;
  untilUs: number;
}

/**
 * Open-loop load: each client sends `rate` messages a second, with a random phase, and
 * acks as the SDK does, within ackIntervalMs.
 */
export interface RateCommand {
  cmd: 'rate';
  rate: number;
  /** Every send carries a client_id (unique per sender), as the SDK's do. */
  clientIds: boolean;
  fromUs: number;
  untilUs: number;
  ackIntervalMs: number;
}

/** Receive only (group-fanout): receipts in [fromUs, untilUs) count; each client acks as the SDK does, within ackIntervalMs. */
export interface ReceiveCommand {
  cmd: 'receive';
  fromUs: number;
  untilUs: number;
  ackIntervalMs: number;
}

/** A command to every generator thread; each answers with a result or an error. */
export type WorkerCommand =
  | { cmd: 'login' }
  | { cmd: 'hello' }
  | { cmd: 'storm'; atUs: number }
  /** Connect, hello and veus only; set_user comes with set-user-storm. */
  | { cmd: 'verify' }
  /** Every verified client sends set_user at atUs and reads its replay to the end. */
  | { cmd: 'set-user-storm'; atUs: number }
  /** Send the unsent acks and wait for the replies; answers how many are missing. */
  | { cmd: 'drain-acks' }
  | { cmd: 'expect-shutdown' }
  | ReceiveCommand
  | WindowCommand
  | RateCommand
  | FailoverCommand
  | { cmd: 'tally' }
  | { cmd: 'close' };

/** One thread's login-storm outcome counts and when it got its last answer (µs). */
export interface StormTally {
  ok: number;
  /** server_busy answers, retries included. */
  busy: number;
  /** Clients whose first login was answered server_busy. */
  firstBusy: number;
  lastAnswerUs: number;
}

/** What a load command reports when its sending has stopped. */
export interface LoadEnd {
  /** Requests still without a reply after the wait for them. */
  outstanding: number;
}
