// A node's copy of what `find` last read from Redis about users of other nodes, so a
// send to someone online elsewhere costs no round trip to Redis. Redis tells every node
// when a user's presence changes (scripts.ts publishes the user's key, or `*` for all,
// from each script that changes it); the broker passes that on to `invalidate`.
// An answer read while a change was on its way is not kept (the placeholder rule of
// Redis' own client-side caching): `expect` before the read, `fill` after it, always.
// While the subscriber is not listening, changes can be missed: nothing is kept then.
import type { PresentUser } from '../presence.ts';

/** Entries beyond which the cache starts again empty (a bound on memory, not a policy). */
const MAX_ENTRIES = 100_000;

/** What `expect` hands out: a fill with it counts only if no change came meanwhile. */
export type ReadToken = object;

interface Entry {
  user: PresentUser;
  at: number;
}

/** Users found online, by lower-cased username, until Redis says they changed. */
export class FoundCache {
  private readonly entries = new Map<string, Entry>();
  private readonly reads = new Map<string, ReadToken>();
  private listening = false;

  constructor(
    /** How long an entry may answer at most (the node lease: presence is no staler). */
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The kept answer for `key`, if one is kept and young enough. */
  get(key: string): PresentUser | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at <= this.maxAgeMs) return entry.user;
    this.entries.delete(key);
    return undefined;
  }

  /** Call before reading `key` from Redis; pass the token to `fill`. */
  expect(key: string): ReadToken {
    const token: ReadToken = {};
    if (this.listening) this.reads.set(key, token);
    return token;
  }

  /**
   * Ends the read of `key`: keeps `user` (none: nothing to keep, as for a user found
   * offline) unless a change of it came since `expect`.
   */
  fill(key: string, token: ReadToken, user?: PresentUser): void {
    if (this.reads.get(key) !== token) return;
    this.reads.delete(key);
    if (!user) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { user: Object.freeze({ ...user }), at: this.now() });
  }

  /** Redis said the presence of `key` changed; `*`: of everyone. */
  invalidate(key: string): void {
    if (key === '*') {
      this.clear();
      return;
    }
    this.entries.delete(key);
    this.reads.delete(key);
  }

  /** The subscriber listens for changes again: answers may be kept from now on. */
  listen(): void {
    this.listening = true;
  }

  /** The subscriber went away: changes may be missed, so nothing kept counts. */
  deafen(): void {
    this.listening = false;
    this.clear();
  }

  private clear(): void {
    this.entries.clear();
    this.reads.clear();
  }
}
