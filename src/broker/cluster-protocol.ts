// The broker of a server made of several processes on one machine (`--workers N`):
// what the hub (cluster-hub.ts, in the primary) and each worker's broker
// (cluster-broker.ts) say to each other, in batches of one event-loop turn over
// a Channel (process IPC).
import { EndOfTurn } from '../util/end-of-turn.ts';
import type { ClaimResult, NodeCommand } from './broker.ts';
import type { OnlineUser, PresentUser } from './presence.ts';

/** A message pipe between the hub and one worker; process IPC in production. */
export interface Channel {
  send(message: BrokerEnvelope): void;
  onMessage(handler: (message: BrokerEnvelope) => void): void;
}

/** What a worker tells the hub. */
export type ToHub =
  | { t: 'claim'; seq: number; user: OnlineUser }
  /** Asks the truth about a user the replica does not show (it may not have heard yet). */
  | { t: 'find'; seq: number; username: string }
  /** The worker's direct-link listener is up. */
  | { t: 'peer_ready' }
  | { t: 'release'; user: OnlineUser }
  | { t: 'cmd'; cmd: NodeCommand };

/** What the hub tells a worker. */
export type ToNode =
  | { t: 'claimed'; seq: number; result: ClaimResult }
  | { t: 'found'; seq: number; user: HomedUser | null }
  /** Users whose session count changed, with the workers holding them. */
  | { t: 'presence'; users: HomedUser[] }
  /** The workers whose direct-link listener is up. */
  | { t: 'peers'; ids: number[] }
  | { t: 'cmd'; cmd: NodeCommand };

/** A present user and the workers holding their sessions. */
export interface HomedUser extends PresentUser {
  nodes: number[];
}

/** One batch on the wire; the `broker` key tells it from other IPC messages. */
export interface BrokerEnvelope {
  broker: Array<ToHub | ToNode>;
}

/** True when an IPC message is a broker batch. */
export function isBrokerEnvelope(message: unknown): message is BrokerEnvelope {
  return (
    typeof message === 'object' &&
    message !== null &&
    Array.isArray((message as BrokerEnvelope).broker)
  );
}

/** Outboxes with items waiting; each sends its batch at the end of the turn. */
const endOfTurn = new EndOfTurn<Outbox<ToHub | ToNode>>((outbox) => outbox.flush());

/** Collects items and sends them as one batch at the end of the event-loop turn. */
export class Outbox<T extends ToHub | ToNode> {
  private items: T[] = [];

  constructor(private readonly channel: Channel) {}

  push(item: T): void {
    if (this.items.length === 0) endOfTurn.mark(this);
    this.items.push(item);
  }

  /** Sends what was pushed this turn as one batch. */
  flush(): void {
    const batch = this.items;
    this.items = [];
    if (batch.length > 0) this.channel.send({ broker: batch });
  }
}
