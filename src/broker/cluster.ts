// The broker of a server made of several processes on one machine (`--workers N`).
// The primary runs the hub: the one true presence list and the session caps.
// Every worker keeps a replica of presence for lookups and sends claims and
// commands to the hub, which routes commands to the workers holding the user.
// Messages go in batches, one per event-loop turn, over a Channel (process IPC).
import type { Broker, ClaimResult, NodeCommand, SessionCaps } from './broker.ts';
import { claimIn } from './memory.ts';
import { PeerLinks } from './peer-links.ts';
import { type OnlineUser, Presence, type PresentUser } from './presence.ts';

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

/** Collects items and sends them as one batch at the end of the event-loop turn. */
class Outbox<T extends ToHub | ToNode> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly channel: Channel) {}

  push(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.items;
    this.items = [];
    if (batch.length > 0) this.channel.send({ broker: batch });
  }
}

interface NodeLink {
  out: Outbox<ToNode>;
  /** Sessions this node holds, per user id. */
  claims: Map<number, number>;
}

/** The hub in the primary process: presence, caps and command routing for every worker. */
export class ClusterHub {
  private readonly presence = new Presence();
  private readonly nodes = new Map<number, NodeLink>();
  private readonly peersReady = new Set<number>();

  constructor(
    private readonly caps: SessionCaps,
    /** Called when a worker asks every node to shut down (kill_server). */
    private readonly onShutdown: (reason: string, by: string | null) => void = () => {},
  ) {}

  /** Connects a worker: it gets the current presence list, then every change. */
  attach(nodeId: number, channel: Channel): void {
    const link: NodeLink = { out: new Outbox(channel), claims: new Map() };
    this.nodes.set(nodeId, link);
    channel.onMessage((message) => {
      for (const item of message.broker) this.handle(nodeId, item as ToHub);
    });
    link.out.push({ t: 'presence', users: this.presence.all().map((u) => this.homed(u)) });
    link.out.push({ t: 'peers', ids: [...this.peersReady] });
  }

  /** Forgets a worker that exited: its sessions are gone. */
  detach(nodeId: number): void {
    const link = this.nodes.get(nodeId);
    if (!link) return;
    this.nodes.delete(nodeId);
    if (this.peersReady.delete(nodeId)) this.broadcast({ t: 'peers', ids: [...this.peersReady] });
    const changed: HomedUser[] = [];
    for (const [userId, count] of link.claims) {
      const user = this.presence.get(userId);
      if (!user) continue;
      const sessions = this.presence.add(user, -count);
      changed.push(this.homed({ id: user.id, username: user.username, sessions }));
    }
    if (changed.length > 0) this.broadcast({ t: 'presence', users: changed });
  }

  /** Tells every worker to shut down (a signal to the primary). */
  shutdownAll(reason: string, by: string | null): void {
    this.broadcast({ t: 'cmd', cmd: { kind: 'shutdown', reason, by } });
  }

  private handle(nodeId: number, item: ToHub): void {
    const link = this.nodes.get(nodeId);
    if (!link) return;
    if (item.t === 'claim') {
      const result = claimIn(this.presence, this.caps, item.user);
      if (result === 'ok') {
        link.claims.set(item.user.id, (link.claims.get(item.user.id) ?? 0) + 1);
        this.announce(item.user);
      }
      link.out.push({ t: 'claimed', seq: item.seq, result });
    } else if (item.t === 'find') {
      const user = this.presence.find(item.username);
      link.out.push({ t: 'found', seq: item.seq, user: user ? this.homed(user) : null });
    } else if (item.t === 'peer_ready') {
      this.peersReady.add(nodeId);
      this.broadcast({ t: 'peers', ids: [...this.peersReady] });
    } else if (item.t === 'release') {
      const held = link.claims.get(item.user.id) ?? 0;
      if (held === 0) return;
      if (held === 1) link.claims.delete(item.user.id);
      else link.claims.set(item.user.id, held - 1);
      this.presence.add(item.user, -1);
      this.announce(item.user);
    } else {
      this.route(nodeId, item.cmd);
    }
  }

  /** Sends a command on to the other workers that hold the user's sessions (shutdown: all). */
  private route(from: number, cmd: NodeCommand): void {
    if (cmd.kind === 'shutdown') this.onShutdown(cmd.reason, cmd.by);
    for (const [nodeId, link] of this.nodes) {
      if (nodeId === from) continue;
      if (cmd.kind === 'shutdown' || link.claims.has(cmd.userId)) link.out.push({ t: 'cmd', cmd });
    }
  }

  private announce(user: OnlineUser): void {
    const sessions = this.presence.get(user.id)?.sessions ?? 0;
    this.broadcast({
      t: 'presence',
      users: [this.homed({ id: user.id, username: user.username, sessions })],
    });
  }

  /** The user with the workers that hold their sessions. */
  private homed(user: PresentUser): HomedUser {
    const nodes: number[] = [];
    for (const [nodeId, link] of this.nodes) if (link.claims.has(user.id)) nodes.push(nodeId);
    return { ...user, nodes };
  }

  private broadcast(item: ToNode): void {
    for (const link of this.nodes.values()) link.out.push(item);
  }
}

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
  private readonly claims = new Map<number, (result: ClaimResult) => void>();
  private readonly finds = new Map<number, (user: HomedUser | null) => void>();
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
    const seq = ++this.seq;
    this.out.push({ t: 'claim', seq, user: { id: user.id, username: user.username } });
    return new Promise((resolve) => this.claims.set(seq, resolve));
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
    const seq = ++this.seq;
    this.out.push({ t: 'find', seq, username });
    const user = await new Promise<HomedUser | null>((resolve) => this.finds.set(seq, resolve));
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

  /** Takes the hub's latest word on a user into the replica. */
  private learn(u: HomedUser): void {
    this.replica.set(u, u.sessions);
    if (u.sessions > 0) this.homes.set(u.id, u.nodes);
    else this.homes.delete(u.id);
  }

  private handle(item: ToNode): void {
    if (item.t === 'claimed') {
      this.claims.get(item.seq)?.(item.result);
      this.claims.delete(item.seq);
    } else if (item.t === 'found') {
      this.finds.get(item.seq)?.(item.user);
      this.finds.delete(item.seq);
    } else if (item.t === 'presence') {
      for (const u of item.users) this.learn(u);
    } else if (item.t === 'peers') {
      this.links?.connectTo(item.ids);
    } else {
      this.handler(item.cmd);
    }
  }
}
