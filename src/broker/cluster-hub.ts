// The hub of a multi-process server, in the primary: the one true presence
// list, the session caps across workers, and the routing of commands to the
// workers that hold a user (shutdown: all).
import type { NodeCommand, SessionCaps } from './broker.ts';
import {
  type Channel,
  type HomedUser,
  Outbox,
  type ToHub,
  type ToNode,
} from './cluster-protocol.ts';
import { claimIn } from './memory.ts';
import { type OnlineUser, Presence, type PresentUser } from './presence.ts';

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

  /** Sends a command on to the other workers that hold the user's sessions (shutdown, groups: all). */
  private route(from: number, cmd: NodeCommand): void {
    if (cmd.kind === 'shutdown') this.onShutdown(cmd.reason, cmd.by);
    const everyone = !('userId' in cmd) || cmd.kind === 'group_member';
    for (const [nodeId, link] of this.nodes) {
      if (nodeId === from) continue;
      if (everyone || link.claims.has(cmd.userId)) link.out.push({ t: 'cmd', cmd });
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
