// Who is online and with how many sessions: a sorted list for show_online_users
// and an index by id and by lower-cased name. Brokers keep one (the truth or a replica).
import { usernameKey } from '../storage/storage.ts';

/** A user in the online list. */
export interface OnlineUser {
  id: number;
  username: string;
}

/** A user with live sessions, and how many. */
export interface PresentUser extends OnlineUser {
  sessions: number;
}

interface Entry extends PresentUser {
  key: string;
}

/** The online users, sorted by lower-cased username, with session counts. */
export class Presence {
  private readonly sorted: Entry[] = [];
  private readonly byId = new Map<number, Entry>();
  private sessionCount = 0;

  /** Live sessions of all users together. */
  get totalSessions(): number {
    return this.sessionCount;
  }

  /** The user's entry by id, if online. */
  get(id: number): PresentUser | undefined {
    return this.byId.get(id);
  }

  /** A copy of the user's entry by username in any case, if online. */
  find(username: string): PresentUser | undefined {
    const key = usernameKey(username);
    const entry = this.sorted[this.indexOf(key)];
    if (entry?.key !== key) return undefined;
    return { id: entry.id, username: entry.username, sessions: entry.sessions };
  }

  /** Sets a user's session count; 0 takes the user off the list. */
  set(user: OnlineUser, sessions: number): void {
    const entry = this.byId.get(user.id);
    if (entry) {
      this.sessionCount += sessions - entry.sessions;
      entry.sessions = sessions;
      if (sessions === 0) {
        this.byId.delete(user.id);
        this.sorted.splice(this.indexOf(entry.key), 1);
      }
      return;
    }
    if (sessions === 0) return;
    const key = usernameKey(user.username);
    const added: Entry = { key, id: user.id, username: user.username, sessions };
    this.byId.set(user.id, added);
    this.sorted.splice(this.indexOf(key), 0, added);
    this.sessionCount += sessions;
  }

  /** Adds `delta` sessions to a user (negative to remove); returns the new count. */
  add(user: OnlineUser, delta: number): number {
    const next = Math.max(0, (this.byId.get(user.id)?.sessions ?? 0) + delta);
    this.set(user, next);
    return next;
  }

  /** Every online user with its count (to copy the list to a new replica). */
  all(): PresentUser[] {
    return this.sorted.map(({ id, username, sessions }) => ({ id, username, sessions }));
  }

  /** A page of online users sorted by username (case-insensitive), after an exclusive cursor. */
  list(limit: number, after?: string): { users: OnlineUser[]; total: number } {
    let start = 0;
    if (after !== undefined) {
      const key = usernameKey(after);
      start = this.indexOf(key);
      if (this.sorted[start]?.key === key) start++;
    }
    const users = this.sorted
      .slice(start, start + limit)
      .map(({ id, username }) => ({ id, username }));
    return { users, total: this.sorted.length };
  }

  /** Binary search: the first index whose key is >= `key`. */
  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as Entry).key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
