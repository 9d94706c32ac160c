// The broker of several server nodes on one Redis: presence and the session caps
// in Redis (atomic Lua scripts, per-node leases renewed by a heartbeat), and
// commands over pub/sub — a channel per user, subscribed by the nodes holding
// that user's sessions, and one channel every node hears (shutdown, groups).
// Redis carries live traffic only: while it is down local delivery goes on, and
// after it is back each node restores its presence and re-reads from storage
// what its live sessions missed (onResync).
import { Redis } from 'ioredis';
import { usernameKey } from '../storage/storage.ts';
import type { Broker, ClaimResult, NodeCommand, SessionCaps } from './broker.ts';
import { type OnlineUser, Presence, type PresentUser } from './presence.ts';
import { SCRIPTS } from './redis/scripts.ts';

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

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

/** A Broker over Redis, for nodes on several machines (broker.driver: redis). */
export class RedisBroker implements Broker {
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly scripts: Record<keyof typeof SCRIPTS, ScriptCall>;
  /** Sessions this node holds, the truth restored to Redis after an outage. */
  private readonly local = new Presence();
  /** Claims asked and not answered, per user: their channel stays subscribed. */
  private readonly wanted = new Map<number, number>();
  /** The tail of the claims and restores, which run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private handler: (command: NodeCommand) => void = () => {};
  private resyncHandler: () => void = () => {};
  private publishing = 0;
  private beatTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private everConnected = false;

  constructor(private readonly options: RedisBrokerOptions) {
    this.prefix = options.prefix ?? 'ss:';
    const onError = (err: Error) => options.onError?.(err);
    // No offline queue: while Redis is down a claim answers server_busy at once.
    this.cmd = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    this.sub = new Redis(options.url, { lazyConnect: true });
    this.cmd.on('error', onError);
    this.sub.on('error', onError);
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      this.cmd.defineCommand(name, { numberOfKeys: 0, lua });
    }
    const commands = this.cmd as unknown as Record<string, ScriptCall>;
    this.scripts = Object.fromEntries(
      Object.keys(SCRIPTS).map((name) => [name, (commands[name] as ScriptCall).bind(this.cmd)]),
    ) as Record<keyof typeof SCRIPTS, ScriptCall>;
    this.sub.on('message', (_channel: string, text: string) => this.receive(text));
  }

  /** The command connection, for stores that live beside the broker (the shared limits). */
  get client(): Redis {
    return this.cmd;
  }

  /** Connects, registers this node's lease and starts the heartbeat. */
  async start(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]);
    await this.sub.subscribe(this.channel('all'));
    await this.restore();
    this.everConnected = true;
    this.cmd.on('ready', () => void this.afterReconnect());
    this.sub.on('ready', () => void this.afterResubscribe());
    const every = Math.max(50, Math.floor(this.options.heartbeatTimeoutMs / 3));
    this.beatTimer = setInterval(() => void this.beat(), every);
    this.beatTimer.unref();
  }

  async claim(user: OnlineUser): Promise<ClaimResult> {
    if (this.cmd.status !== 'ready') return 'server_busy';
    this.want(user.id, +1);
    try {
      return await this.serially(() => this.claimNow(user));
    } catch (err) {
      this.options.onError?.(err as Error);
      return 'server_busy';
    } finally {
      this.want(user.id, -1);
    }
  }

  release(user: OnlineUser): void {
    if (!this.local.get(user.id)) return;
    this.local.add(user, -1);
    this.want(user.id, 0);
    this.scripts.release(this.prefix, this.options.nodeId, user.id).catch(() => {
      // Redis is down: the restore after the reconnect puts the right count back.
    });
  }

  async find(username: string): Promise<PresentUser | undefined> {
    try {
      const found = (await this.scripts.find(this.prefix, usernameKey(username))) as
        | [string, string, string]
        | null;
      if (!found) return undefined;
      return { id: Number(found[0]), username: found[1], sessions: Number(found[2]) };
    } catch {
      // Redis is down: this node's own users are still known.
      return this.local.find(username);
    }
  }

  async list(limit: number, after?: string): Promise<{ users: OnlineUser[]; total: number }> {
    try {
      const cursor = after === undefined ? '' : usernameKey(after);
      const out = (await this.scripts.list(this.prefix, limit, cursor)) as string[];
      const users: OnlineUser[] = [];
      for (let i = 1; i < out.length; i += 2) {
        users.push({ id: Number(out[i]), username: out[i + 1] as string });
      }
      return { users, total: Number(out[0]) };
    } catch {
      return this.local.list(limit, after);
    }
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
    this.scripts.leave(this.prefix, this.options.nodeId).then(quit, quit);
  }

  /** Stops the heartbeat and drops the connections without leaving: a node that died (tests). */
  crash(): void {
    this.closed = true;
    clearInterval(this.beatTimer);
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private channel(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Subscribes before the claim, so nothing sent right after it is granted is missed. */
  private async claimNow(user: OnlineUser): Promise<ClaimResult> {
    await this.sub.subscribe(this.channel(`u:${user.id}`));
    const args = [this.options.nodeId, this.options.heartbeatTimeoutMs, user.id, user.username];
    const caps = [
      usernameKey(user.username),
      this.options.caps.perUser,
      this.options.caps.capacity,
    ];
    let result = (await this.scripts.claim(this.prefix, ...args, ...caps)) as ClaimResult | 'lost';
    if (result === 'lost') {
      await this.restoreNow();
      result = (await this.scripts.claim(this.prefix, ...args, ...caps)) as ClaimResult | 'lost';
    }
    if (result === 'lost') return 'server_busy';
    // Counted here, inside the turn: the next restore in line sees it.
    if (result === 'ok') this.local.add(user, +1);
    return result;
  }

  /**
   * Runs claims and restores one at a time: a restore then always sees the
   * answers of the claims before it, and no claim is in flight while it runs.
   */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Counts claims in flight; a user with neither those nor local sessions is unsubscribed. */
  private want(userId: number, delta: number): void {
    const wanted = (this.wanted.get(userId) ?? 0) + delta;
    if (wanted > 0) this.wanted.set(userId, wanted);
    else this.wanted.delete(userId);
    if (wanted <= 0 && !this.local.get(userId) && !this.closed) {
      this.sub.unsubscribe(this.channel(`u:${userId}`)).catch(() => {});
    }
  }

  /** Puts this node's sessions back into Redis as they are here, in turn with the claims. */
  private restore(): Promise<void> {
    return this.serially(() => this.restoreNow());
  }

  private async restoreNow(): Promise<void> {
    const users = this.local
      .all()
      .flatMap((u) => [u.id, u.username, usernameKey(u.username), u.sessions]);
    await this.scripts.restore(
      this.prefix,
      this.options.nodeId,
      this.options.heartbeatTimeoutMs,
      ...users,
    );
  }

  private async beat(): Promise<void> {
    if (this.cmd.status !== 'ready') return;
    try {
      const alive = await this.scripts.beat(
        this.prefix,
        this.options.nodeId,
        this.options.heartbeatTimeoutMs,
      );
      if (alive === 0) await this.restore();
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }

  private async afterReconnect(): Promise<void> {
    if (this.closed || !this.everConnected) return;
    try {
      await this.restore();
      // Another node may have resynced before this one could publish again: tell it to read
      // once more what this node committed (and could not publish) while it was cut off.
      const notice: Envelope = { from: this.options.nodeId, resync: true };
      await this.cmd.publish(this.channel('all'), JSON.stringify(notice));
    } catch (err) {
      this.options.onError?.(err as Error);
    }
  }

  /** ioredis has sent the resubscriptions; once they are answered, nothing new is missed. */
  private async afterResubscribe(): Promise<void> {
    if (this.closed || !this.everConnected) return;
    try {
      await this.sub.subscribe(this.channel('all'));
      this.resyncHandler();
    } catch (err) {
      this.options.onError?.(err as Error);
    }
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
