// The presence half of the Redis broker (redis.ts holds the connections and the
// pub/sub routing): session claims, releases and presence reads as Lua scripts
// (scripts.ts), this node's lease renewed by a heartbeat, and the node's own
// sessions kept here too, the truth put back into Redis after an outage, and the
// users found online on other nodes (found-cache.ts), so most sends skip the read.
import type { Redis } from 'ioredis';
import { usernameKey } from '../../storage/storage.ts';
import type { ClaimResult, SessionCaps } from '../broker.ts';
import { type OnlineUser, Presence, type PresentUser } from '../presence.ts';
import { FoundCache } from './found-cache.ts';
import { SCRIPTS } from './scripts.ts';

/** What the sessions of one node in Redis need to know. */
export interface RedisSessionsOptions {
  caps: SessionCaps;
  nodeId: string;
  heartbeatTimeoutMs: number;
  prefix: string;
  onError: (err: Error) => void;
  /**
   * This node's sessions were put back into Redis. Until then the other nodes saw its users
   * offline and sent them nothing live, so what they committed meanwhile is read again.
   */
  onRestored: () => void;
  /**
   * Users of this node who, once its sessions were back in Redis, had more than the per-user
   * cap: another node granted them a session while this one was out (dead to the others).
   * This node's own sessions of them must end.
   */
  onDisplaced: (userIds: number[]) => void;
  /** Another node counted as dead (its subscriber was gone) and its sessions were dropped. */
  onDropped: (nodeId: string) => void;
}

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

/** One node's sessions in Redis, and its own copy of them. */
export class RedisSessions {
  /** Sessions this node holds, the truth restored to Redis after an outage. */
  private readonly local = new Presence();
  /** Users found online elsewhere, kept until Redis says they changed (found-cache.ts). */
  readonly found: FoundCache;
  private readonly scripts: Record<keyof typeof SCRIPTS, ScriptCall>;
  /** The tail of the claims and restores, which run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    cmd: Redis,
    private readonly options: RedisSessionsOptions,
  ) {
    this.found = new FoundCache(options.heartbeatTimeoutMs);
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      cmd.defineCommand(name, { numberOfKeys: 0, lua });
    }
    const commands = cmd as unknown as Record<string, ScriptCall>;
    this.scripts = Object.fromEntries(
      Object.keys(SCRIPTS).map((name) => [name, (commands[name] as ScriptCall).bind(cmd)]),
    ) as Record<keyof typeof SCRIPTS, ScriptCall>;
  }

  /** True while this node holds a session of the user. */
  holds(userId: number): boolean {
    return this.local.get(userId) !== undefined;
  }

  /** Claims a session, in turn with the other claims; `subscribe` runs first (see claimNow). */
  claim(user: OnlineUser, subscribe: () => Promise<unknown>): Promise<ClaimResult> {
    return this.serially(() => this.claimNow(user, subscribe));
  }

  /** Gives back one session; false when this node held none of the user's. */
  release(user: OnlineUser): boolean {
    if (!this.local.get(user.id)) return false;
    this.local.add(user, -1);
    const { prefix, nodeId } = this.options;
    this.scripts.release(prefix, nodeId, user.id).catch(() => {
      // Redis is down: the restore after the reconnect puts the right count back.
    });
    return true;
  }

  /**
   * The user's presence on all nodes. A user online only on other nodes is answered from
   * the found cache while Redis has not said their presence changed: such an answer may
   * be a moment old (a user who just left still counts), never one that says offline.
   */
  async find(username: string): Promise<PresentUser | undefined> {
    const key = usernameKey(username);
    const known = this.found.get(key);
    if (known && !this.holds(known.id)) return known;
    const token = this.found.expect(key);
    let found: [string, string, string] | null;
    try {
      found = (await this.scripts.find(this.options.prefix, key)) as typeof found;
    } catch {
      this.found.fill(key, token);
      // Redis is down: this node's own users are still known.
      return this.local.find(username);
    }
    const user = found
      ? { id: Number(found[0]), username: found[1], sessions: Number(found[2]) }
      : undefined;
    // Only users with no session here: a local session's count changes without Redis.
    this.found.fill(key, token, user && !this.holds(user.id) ? user : undefined);
    return user;
  }

  async list(limit: number, after?: string): Promise<{ users: OnlineUser[]; total: number }> {
    try {
      const cursor = after === undefined ? '' : usernameKey(after);
      const out = (await this.scripts.list(this.options.prefix, limit, cursor)) as string[];
      const users: OnlineUser[] = [];
      for (let i = 1; i < out.length; i += 2) {
        users.push({ id: Number(out[i]), username: out[i + 1] as string });
      }
      return { users, total: Number(out[0]) };
    } catch {
      return this.local.list(limit, after);
    }
  }

  /**
   * Puts this node's sessions back into Redis as they are here, in turn with the claims;
   * false (nothing changed) while its subscriber is not listening on its `alive` channel.
   */
  restore(): Promise<boolean> {
    return this.serially(() => this.restoreNow());
  }

  /** Renews the lease; restores first when it had run out (the node was only cut off). */
  async beat(): Promise<void> {
    try {
      const { prefix, nodeId, heartbeatTimeoutMs } = this.options;
      const [alive, ...dropped] = (await this.scripts.beat(prefix, nodeId, heartbeatTimeoutMs)) as [
        number,
        ...string[],
      ];
      for (const node of dropped) this.options.onDropped(node);
      if (alive === 0) await this.restore();
    } catch (err) {
      this.options.onError(err as Error);
    }
  }

  /** Takes this node and its sessions out of Redis at once (a clean close). */
  leave(): Promise<unknown> {
    return this.scripts.leave(this.options.prefix, this.options.nodeId);
  }

  /** Subscribes before the claim, so nothing sent right after it is granted is missed. */
  private async claimNow(
    user: OnlineUser,
    subscribe: () => Promise<unknown>,
  ): Promise<ClaimResult> {
    await subscribe();
    const { prefix, nodeId, heartbeatTimeoutMs, caps } = this.options;
    const args = [nodeId, heartbeatTimeoutMs, user.id, user.username];
    const limits = [usernameKey(user.username), caps.perUser, caps.capacity];
    const claimOnce = async () => {
      const [result, ...dropped] = (await this.scripts.claim(prefix, ...args, ...limits)) as [
        ClaimResult | 'lost',
        ...string[],
      ];
      for (const node of dropped) this.options.onDropped(node);
      return result;
    };
    let result = await claimOnce();
    if (result === 'lost') {
      await this.restoreNow();
      result = await claimOnce();
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

  private async restoreNow(): Promise<boolean> {
    const users = this.local
      .all()
      .flatMap((u) => [u.id, u.username, usernameKey(u.username), u.sessions]);
    const { prefix, nodeId, heartbeatTimeoutMs, caps } = this.options;
    const [status, ...over] = (await this.scripts.restore(
      prefix,
      nodeId,
      heartbeatTimeoutMs,
      caps.perUser,
      ...users,
    )) as string[];
    if (status !== 'ok') return false;
    if (over.length > 0) this.options.onDisplaced(over.map(Number));
    this.options.onRestored();
    return true;
  }
}
