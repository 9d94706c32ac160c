// A worker's Broker in a multi-process server: a presence replica for lookups,
// claims and admin commands through the hub, messages straight to the worker
// holding the recipient over a direct link.
import type { Broker, ClaimResult, NodeCommand } from './broker.ts';
import {
  type Channel,
  type HomedUser,
  Outbox,
  type ToHub,
  type ToNode,
} from './cluster-protocol.ts';
import { PeerLinks } from './peer-links.ts';
import { type OnlineUser, Presence, type PresentUser } from './presence.ts';

/** Where a worker's direct links live: its id and its primary's pid. */
export interface PeerAddress {
  primaryPid: number;
  nodeId: number;
}

/**
 * A worker's Broker: reads from a presence replica, asks the hub for claims,
 * and (with a PeerAddress) sends deliveries straight to the worker holding the
 * recipient over a direct link; everything else goes through the hub.
 */
export class ClusterBroker implements Broker {
  private readonly replica = new Presence();
  /** The workers holding each present user's sessions. */
  private readonly homes = new Map<number, number[]>();
  private readonly out: Outbox<ToHub>;
  /** Requests to the hub awaiting their answer, by sequence number. */
  private readonly asked = new Map<number, (answer: never) => void>();
  private readonly links: PeerLinks | undefined;
  private seq = 0;
  private handler: (command: NodeCommand) => void = () => {};

  constructor(channel: Channel, peer?: PeerAddress) {
    this.out = new Outbox(channel);
    channel.onMessage((message) => {
      for (const item of message.broker) this.handle(item as ToNode);
    });
    if (peer) {
      this.links = new PeerLinks(peer.primaryPid, peer.nodeId, (userId, frame) =>
        this.handler({ kind: 'deliver', userId, frame }),
      );
    }
  }

  /** Opens the direct-link listener and tells the hub; resolves once it is up. */
  async start(): Promise<void> {
    if (!this.links) return;
    await this.links.listen();
    this.out.push({ t: 'peer_ready' });
  }

  close(): void {
    this.links?.close();
  }

  claim(user: OnlineUser): Promise<ClaimResult> {
    return this.ask((seq) => ({ t: 'claim', seq, user: { id: user.id, username: user.username } }));
  }

  release(user: OnlineUser): void {
    this.out.push({ t: 'release', user: { id: user.id, username: user.username } });
  }

  /**
   * The replica answers when it knows the user. When it does not, the hub is
   * asked: a user who just logged in on another worker may not have reached
   * this replica yet, and "not online" must not be said of them.
   */
  async find(username: string): Promise<PresentUser | undefined> {
    const known = this.replica.find(username);
    if (known) return known;
    const user = await this.ask<HomedUser | null>((seq) => ({ t: 'find', seq, username }));
    if (!user) return undefined;
    this.learn(user);
    return { id: user.id, username: user.username, sessions: user.sessions };
  }

  async list(limit: number, after?: string): Promise<{ users: OnlineUser[]; total: number }> {
    return this.replica.list(limit, after);
  }

  send(command: NodeCommand): Promise<void> | undefined {
    if (command.kind === 'deliver' && this.links) {
      const homes = this.homes.get(command.userId);
      // Direct only when every holder is linked; else all of it through the hub, never twice.
      if (homes && this.links.reaches(homes)) {
        let backlog: Promise<void> | undefined;
        for (const id of homes) {
          backlog = this.links.deliver(id, command.userId, command.frame) ?? backlog;
        }
        return backlog;
      }
    }
    this.out.push({ t: 'cmd', cmd: command });
    return undefined;
  }

  onCommand(handler: (command: NodeCommand) => void): void {
    this.handler = handler;
  }

  /** Sends the hub a request numbered `seq`; resolves with its answer. */
  private ask<T>(request: (seq: number) => ToHub): Promise<T> {
    const seq = ++this.seq;
    this.out.push(request(seq));
    return new Promise<T>((resolve) => this.asked.set(seq, resolve as (answer: never) => void));
  }

  /** Settles the request an answer belongs to. */
  private answer(seq: number, value: unknown): void {
    this.asked.get(seq)?.(value as never);
    this.asked.delete(seq);
  }

  /** Takes the hub's latest word on a user into the replica. */
  private learn(u: HomedUser): void {
    this.replica.set(u, u.sessions);
    if (u.sessions > 0) this.homes.set(u.id, u.nodes);
    else this.homes.delete(u.id);
  }

  private handle(item: ToNode): void {
    if (item.t === 'claimed') {
      this.answer(item.seq, item.result);
    } else if (item.t === 'found') {
      this.answer(item.seq, item.user);
    } else if (item.t === 'presence') {
      for (const u of item.users) this.learn(u);
    } else if (item.t === 'peers') {
      this.links?.connectTo(item.ids);
    } else {
      this.handler(item.cmd);
    }
  }
}
