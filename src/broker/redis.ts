// The broker of several server nodes on one Redis: presence and the session caps
// in Redis (redis/sessions.ts: atomic Lua scripts, per-node leases renewed by a
// heartbeat), and commands over pub/sub here — a channel per user, subscribed by
// the nodes holding that user's sessions, and one channel every node hears
// (shutdown, groups, and a node's notice that it is back on Redis). Each node's
// subscriber also listens on its own `alive:<node id>` channel: Redis drops that
// subscription the moment the node's connection closes, so the others drop a killed
// node's sessions without waiting for its lease (redis/scripts.ts), and on `presence`,
// where each change of who is online is published, for the found cache.
// Redis carries live traffic only: while it is down local delivery goes on, and
// after it is back each node restores its presence and re-reads from storage
// what its live sessions missed (onResync).
import { Redis } from 'ioredis';
import type { Broker, ClaimResult, NodeCommand, SessionCaps } from './broker.ts';
import type { OnlineUser, PresentUser } from './presence.ts';
import { RedisSessions } from './redis/sessions.ts';

/** What a RedisBroker needs to know. */
export interface RedisBrokerOptions {
  url: string;
  caps: SessionCaps;
  /** This node's name in Redis; unique among the nodes. */
  nodeId: string;
  /** A node that has not renewed its lease for this long stops counting. */
  heartbeatTimeoutMs: number;
  /** Prefix of every key and channel (several clusters, or tests, on one Redis). */
  prefix?: string;
  /** Told about connection trouble; never of anything secret. */
  onError?: (err: Error) => void;
  /** Told when another node counted as dead (its connection to Redis closed) lost its sessions. */
  onNodeDropped?: (nodeId: string) => void;
}

/** A published command and the node it came from (a node ignores its own). */
interface Envelope {
  from: string;
  /** absent in a resync notice */
  cmd?: NodeCommand;
  /** The sender reconnected: what it published while cut off was lost, so every node resyncs. */
  resync?: true;
}

/** Publishes in flight beyond which send() asks its caller to wait. */
const PUBLISH_HIGH_WATER = 1_000;
/** How long a claim waits for a reconnecting subscriber (ioredis' backoff is at most 2 s). */
const SUBSCRIBER_WAIT_MS = 3_000;

/** True once `conn` is ready, false after `ms` or when it ends. */
function whenReady(conn: Redis, ms: number): Promise<boolean> {
  if (conn.status === 'end') return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      conn.off('ready', onReady);
      conn.off('end', onEnd);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onEnd = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    conn.on('ready', onReady);
    conn.on('end', onEnd);
  });
}

/** A Broker over Redis, for nodes on several machines (broker.driver: redis). */
export class RedisBroker implements Broker {
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly sessions: RedisSessions;
  /** Claims asked and not answered, per user: their channel stays subscribed. */
  private readonly wanted = new Map<number, number>();
  private handler: (command: NodeCommand) => void = () => {};
  private resyncHandler: () => void = () => {};
  private publishing = 0;
  private beatTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private everConnected = false;
  private subscriberWait: Promise<boolean> | undefined;

  constructor(private readonly options: RedisBrokerOptions) {
    this.prefix = options.prefix ?? 'ss:';
    const onError = (err: Error) => options.onError?.(err);
    // No offline queue and no retries, on both connections: while Redis is down a claim
    // answers server_busy, even when its subscribe was in flight as the connection broke
    // (ioredis would otherwise hold it until Redis is back). The subscriptions themselves
    // are restored on reconnect all the same (autoResubscribe).
    const failFast = { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true };
    // Named, so CLIENT LIST shows whose connection is whose.
    const name = `${this.prefix}${options.nodeId}`;
    this.cmd = new Redis(options.url, { ...failFast, connectionName: `${name}:cmd` });
    this.sub = new Redis(options.url, { ...failFast, connectionName: `${name}:sub` });
    this.cmd.on('error', onError);
    this.sub.on('error', onError);
    // A connection Redis closed without an error (killed, over a buffer limit) is trouble too.
    this.cmd.on('reconnecting', () => onError(new Error('lost the command connection to Redis')));
    this.sub.on('reconnecting', () =>
      onError(new Error('lost the subscriber connection to Redis')),
    );
    this.sessions = new RedisSessions(this.cmd, {
      caps: options.caps,
      nodeId: options.nodeId,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      prefix: this.prefix,
      onError,
      // Not at start (nothing was missed), nor after close.
      onRestored: () => {
        if (this.everConnected && !this.closed) this.resyncHandler();
      },
      onDropped: (nodeId) => options.onNodeDropped?.(nodeId),
      // Another node took these users' sessions while this one counted as dead: ours end.
      onDisplaced: (userIds) => {
        for (const userId of userIds) {
          this.handler({ kind: 'end', userId, reason: 'session_replaced' });
        }
      },
    });
    const presence = this.channel('presence');
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === presence) this.sessions.found.invalidate(text);
      else this.receive(text);
    });
    // Changes published while the subscriber is away are missed: nothing found counts then.
    this.sub.on('close', () => this.sessions.found.deafen());
  }

  /** The command connection, for stores that live beside the broker (the shared limits). */
  get client(): Redis {
    return this.cmd;
  }

  /** Connects, registers this node's lease and starts the heartbeat. */
  async start(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]);
    const { nodeId } = this.options;
    await this.sub.subscribe(
      this.channel('all'),
      this.channel(`alive:${nodeId}`),
      this.channel('presence'),
    );
    this.sessions.found.listen();
    if (!(await this.sessions.restore())) throw new Error('Redis lost the subscriber at start');
    this.everConnected = true;
    this.cmd.on('ready', () => void this.afterReconnect());
    this.sub.on('ready', () => void this.afterResubscribe());
    const every = Math.max(50, Math.floor(this.options.heartbeatTimeoutMs / 3));
    this.beatTimer = setInterval(() => {
      if (this.cmd.status === 'ready') void this.sessions.beat();
    }, every);
    this.beatTimer.unref();
  }

  async claim(user: OnlineUser): Promise<ClaimResult> {
    // Right after an outage the subscriber may come back a moment after the command
    // connection (ioredis' backoff): a claim waits for it rather than fail.
    if (this.cmd.status !== 'ready' || !(await this.subscriberReady())) {
      return 'server_busy';
    }
    this.want(user.id, +1);
    try {
      return await this.sessions.claim(user, () =>
        this.sub.subscribe(this.channel(`u:${user.id}`)),
      );
    } catch (err) {
      this.options.onError?.(err as Error);
      return 'server_busy';
    } finally {
      this.want(user.id, -1);
    }
  }

  release(user: OnlineUser): void {
    if (this.sessions.release(user)) this.want(user.id, 0);
  }

  find(username: string): Promise<PresentUser | undefined> {
    return this.sessions.find(username);
  }

  list(limit: number, after?: string): Promise<{ users: OnlineUser[]; total: number }> {
    return this.sessions.list(limit, after);
  }

  send(command: NodeCommand): Promise<void> | undefined {
    const toUser = command.kind === 'deliver' || command.kind === 'end' || command.kind === 'level';
    const channel = toUser ? this.channel(`u:${command.userId}`) : this.channel('all');
    const envelope: Envelope = { from: this.options.nodeId, cmd: command };
    this.publishing++;
    const published = this.cmd.publish(channel, JSON.stringify(envelope)).then(
      () => undefined,
      // Redis is down: live traffic is lost; the resync after the reconnect reads it back.
      () => undefined,
    );
    void published.finally(() => this.publishing--);
    return this.publishing > PUBLISH_HIGH_WATER ? published : undefined;
  }

  onCommand(handler: (command: NodeCommand) => void): void {
    this.handler = handler;
  }

  onResync(handler: () => void): void {
    this.resyncHandler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.beatTimer);
    const quit = () => {
      this.cmd.disconnect();
      this.sub.disconnect();
    };
    if (this.cmd.status !== 'ready') {
      quit();
      return;
    }
    this.sessions.leave().then(quit, quit);
  }

  /** Resolves once what Redis published before now has reached this node (tests). */
  async heardAll(): Promise<void> {
    await this.sub.ping();
  }

  /** Stops the heartbeat and keeps the connections: a node that hangs, alive to Redis (tests). */
  freeze(): void {
    clearInterval(this.beatTimer);
  }

  /** Stops the heartbeat and drops the connections without leaving: a node that died (tests). */
  crash(): void {
    this.closed = true;
    clearInterval(this.beatTimer);
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  /** True once the subscriber is ready; the claims of one reconnect share one wait. */
  private subscriberReady(): Promise<boolean> {
    if (this.sub.status === 'ready') return Promise.resolve(true);
    this.subscriberWait ??= whenReady(this.sub, SUBSCRIBER_WAIT_MS).finally(() => {
      this.subscriberWait = undefined;
    });
    return this.subscriberWait;
  }

  private channel(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Counts claims in flight; a user with neither those nor local sessions is unsubscribed. */
  private want(userId: number, delta: number): void {
    const wanted = (this.wanted.get(userId) ?? 0) + delta;
    if (wanted > 0) this.wanted.set(userId, wanted);
    else this.wanted.delete(userId);
    if (wanted <= 0 && !this.sessions.holds(userId) && !this.closed) {
      this.sub.unsubscribe(this.channel(`u:${userId}`)).catch(() => {});
    }
  }

  private async afterReconnect(): Promise<void> {
    if (this.closed || !this.everConnected) return;
    try {
      // Restoring also resyncs this node (onRestored): while its presence was gone from Redis,
      // the others sent its users nothing live.
      await this.sessions.restore();
      // Another node may have resynced before this one could publish again: tell it to read
      // once more what this node committed (and could not publish) while it was cut off.
      const notice: Envelope = { from: this.options.nodeId, resync: true };
      await this.cmd.publish(this.channel('all'), JSON.stringify(notice));
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }

  /**
   * ioredis has sent the resubscriptions; once they are answered, nothing new is missed,
   * and this node counts as alive again: its sessions go back into Redis (a restore on the
   * command connection's reconnect is refused until then), and it re-reads storage.
   */
  private async afterResubscribe(): Promise<void> {
    if (this.closed || !this.everConnected) return;
    try {
      await this.sub.subscribe(this.channel('all'), this.channel('presence'));
    } catch (err) {
      this.options.onError?.(err as Error);
      return;
    }
    this.sessions.found.listen();
    let restored = false;
    try {
      restored = await this.sessions.restore();
    } catch (err) {
      this.options.onError?.(err as Error);
    }
    // A restore resyncs this node (onRestored); without one, the resync runs here.
    if (!restored) this.resyncHandler();
  }

  private receive(text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.from === this.options.nodeId) return;
    if (envelope.resync) this.resyncHandler();
    else if (envelope.cmd) this.handler(envelope.cmd);
  }
}
