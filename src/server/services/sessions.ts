// Live sessions: created only by set_user on a verified connection, gone when
// their connection closes. Also the presence list behind show_online_users.
import type { DisconnectReason } from '../../protocol/envelope.ts';
import { ActionError } from '../../protocol/errors.ts';
import { usernameKey } from '../../storage/storage.ts';
import type { Random } from '../clock.ts';
import { issueToken } from '../security/tokens.ts';

/** The part of a connection a session needs: deliver a frame to it, or end it. */
export interface SessionPeer {
  readonly id: number;
  sendEvent(name: string, tag: string, data: unknown): void;
  disconnect(reason: DisconnectReason): void;
}

/** The account a connection has proved it owns. */
export interface Identity {
  id: number;
  username: string;
  level: string;
}

/** One logged-in connection. Only the SHA-256 of its token is kept. */
export interface Session {
  readonly tokenHash: string;
  readonly user: Identity;
  readonly peer: SessionPeer;
}

/** A user in the online list. */
export interface OnlineUser {
  id: number;
  username: string;
}

interface Limits {
  capacity: number;
  perUser: number;
}

/** The registry of live sessions, indexed by token hash, user id and sorted username. */
export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private readonly byUser = new Map<number, Session[]>();
  /** Users with at least one session, sorted by lower-cased username. */
  private readonly online: Array<OnlineUser & { key: string }> = [];

  constructor(
    private readonly limits: Limits,
    private readonly random: Random,
  ) {}

  /** Number of live sessions. */
  get size(): number {
    return this.byToken.size;
  }

  /** Opens a session for a verified identity; returns it with its token (shown once). */
  open(peer: SessionPeer, user: Identity): { session: Session; token: string } {
    const existing = this.byUser.get(user.id) ?? [];
    if (existing.length >= this.limits.perUser) {
      throw new ActionError('already_logged_in', `${user.username} already has a live session`);
    }
    if (this.byToken.size >= this.limits.capacity) {
      throw new ActionError('server_busy', 'the server has no room for more sessions');
    }
    const { token, hash } = issueToken(this.random, 's');
    const session: Session = { tokenHash: hash, user: { ...user }, peer };
    this.byToken.set(hash, session);
    this.byUser.set(user.id, [...existing, session]);
    if (existing.length === 0) this.addOnline(user);
    return { session, token };
  }

  /** The session a token hash belongs to, if it is live. */
  byTokenHash(hash: string): Session | undefined {
    return this.byToken.get(hash);
  }

  /** The live sessions of a user, by username (any case). */
  ofUsername(username: string): readonly Session[] {
    const entry = this.online[this.indexOf(usernameKey(username))];
    return entry && entry.key === usernameKey(username) ? (this.byUser.get(entry.id) ?? []) : [];
  }

  /** The live sessions of a user, by id. */
  ofUser(id: number): readonly Session[] {
    return this.byUser.get(id) ?? [];
  }

  /** Ends a session; safe to call twice. */
  close(session: Session): void {
    if (!this.byToken.delete(session.tokenHash)) return;
    const left = (this.byUser.get(session.user.id) ?? []).filter((s) => s !== session);
    if (left.length > 0) {
      this.byUser.set(session.user.id, left);
      return;
    }
    this.byUser.delete(session.user.id);
    const key = usernameKey(session.user.username);
    const i = this.indexOf(key);
    if (this.online[i]?.key === key) this.online.splice(i, 1);
  }

  /** Updates the level of every live session of a user. */
  setLevel(userId: number, level: string): void {
    for (const s of this.byUser.get(userId) ?? []) s.user.level = level;
  }

  /** A page of online users sorted by username (case-insensitive), after an exclusive cursor. */
  list(limit: number, after?: string): { users: OnlineUser[]; total: number } {
    let start = 0;
    if (after !== undefined) {
      const key = usernameKey(after);
      start = this.indexOf(key);
      if (this.online[start]?.key === key) start++;
    }
    const users = this.online
      .slice(start, start + limit)
      .map(({ id, username }) => ({ id, username }));
    return { users, total: this.online.length };
  }

  private addOnline(user: Identity): void {
    const key = usernameKey(user.username);
    this.online.splice(this.indexOf(key), 0, { key, id: user.id, username: user.username });
  }

  /** Binary search: the first index whose key is >= `key`. */
  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.online.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.online[mid] as { key: string }).key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
