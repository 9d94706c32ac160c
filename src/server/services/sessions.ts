// Live sessions: created only by set_user on a verified connection, gone when
// their connection closes. This node's sessions live here; who is online on
// every node, and the caps across nodes, are the broker's.
import type {
  Broker,
  ClaimResult,
  NodeCommand,
  OnlineUser,
  PresentUser,
} from '../../broker/broker.ts';
import type { DisconnectReason } from '../../protocol/envelope.ts';
import { ActionError } from '../../protocol/errors.ts';
import { usernameKey } from '../../storage/storage.ts';
import type { Random } from '../clock.ts';
import { issueToken } from '../security/tokens.ts';

export type { OnlineUser } from '../../broker/broker.ts';

/** The part of a connection a session needs: deliver a frame to it, or end it. */
export interface SessionPeer {
  readonly id: number;
  sendEvent(name: string, tag: string, data: unknown): void;
  /** Sends an already serialised, newline-terminated frame. */
  sendFrame(frame: string): void;
  disconnect(reason: DisconnectReason): void;
}

/** The account a connection has proved it owns. */
export interface Identity {
  id: number;
  username: string;
  level: string;
}

/**
 * One logged-in connection. The index keys it by the SHA-256 of its token; the token
 * itself is kept so its own connection's requests are checked without hashing
 * (docs/security.md, Tokens: it is worth nothing on any other connection).
 */
export interface Session {
  readonly tokenHash: string;
  readonly token: string;
  readonly user: Identity;
  readonly peer: SessionPeer;
}

const NONE: readonly Session[] = [];

// How often, and how far apart, a replacing login claims again while the old session is released.
const REPLACE_TRIES = 20;
const REPLACE_RETRY_MS = 50;

/** This node's live sessions, indexed by token hash, user id and lower-cased username. */
export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private readonly byUser = new Map<number, Session[]>();
  private readonly byName = new Map<string, Session[]>();
  /** How a delivered frame reaches a session; stored conversations put their order rule here. */
  private frameTo = (s: Session, frame: string) => s.peer.sendFrame(frame);
  private readonly closedListeners: Array<(session: Session) => void> = [];

  constructor(
    private readonly broker: Broker,
    private readonly random: Random,
    /** session.on_conflict: a login beyond the per-user cap is refused, or replaces the oldest session. */
    private readonly onConflict: 'refuse' | 'replace' = 'refuse',
  ) {}

  /** Number of live sessions on this node. */
  get size(): number {
    return this.byToken.size;
  }

  /** A copy of this node's live sessions. */
  all(): Session[] {
    return [...this.byToken.values()];
  }

  /**
   * Opens a session for a verified identity once the broker grants it within
   * the caps of all nodes; returns it with its token (shown once).
   */
  async open(peer: SessionPeer, user: Identity): Promise<{ session: Session; token: string }> {
    let verdict = await this.broker.claim({ id: user.id, username: user.username });
    if (verdict === 'already_logged_in' && this.onConflict === 'replace') {
      verdict = await this.replaceOldest(user);
    }
    if (verdict === 'already_logged_in') {
      throw new ActionError('already_logged_in', `${user.username} already has a live session`);
    }
    if (verdict === 'server_busy') {
      throw new ActionError('server_busy', 'the server has no room for more sessions');
    }
    const { token, hash } = issueToken(this.random, 's');
    const session: Session = { tokenHash: hash, token, user: { ...user }, peer };
    this.byToken.set(hash, session);
    this.byUser.set(user.id, withSession(this.byUser.get(user.id), session));
    const key = usernameKey(user.username);
    this.byName.set(key, withSession(this.byName.get(key), session));
    return { session, token };
  }

  /**
   * Ends the user's oldest session (here if there is one, else the oldest on
   * each other node holding one) with `session_replaced`, then claims again
   * while the release travels back.
   */
  private async replaceOldest(user: Identity): Promise<ClaimResult> {
    const command: UserCommand = {
      kind: 'end',
      userId: user.id,
      reason: 'session_replaced',
      oldest: true,
    };
    if (this.ofUser(user.id).length > 0) this.apply(command);
    else this.broker.send(command);
    let verdict: ClaimResult = 'already_logged_in';
    for (let i = 0; i < REPLACE_TRIES && verdict === 'already_logged_in'; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, REPLACE_RETRY_MS));
      verdict = await this.broker.claim({ id: user.id, username: user.username });
    }
    return verdict;
  }

  /** The session a token hash belongs to, if it is live on this node. */
  byTokenHash(hash: string): Session | undefined {
    return this.byToken.get(hash);
  }

  /** True while the session is open (not closed by its connection or a command). */
  isLive(session: Session): boolean {
    return this.byToken.get(session.tokenHash) === session;
  }

  /** This node's sessions of a user, by username (any case). */
  ofUsername(username: string): readonly Session[] {
    return this.byName.get(usernameKey(username)) ?? NONE;
  }

  /** This node's sessions of a user, by id. */
  ofUser(id: number): readonly Session[] {
    return this.byUser.get(id) ?? NONE;
  }

  /** The user's presence on every node, by username (any case). */
  find(username: string): Promise<PresentUser | undefined> {
    return this.broker.find(username);
  }

  /** Ends a session; safe to call twice. */
  close(session: Session): void {
    if (!this.byToken.delete(session.tokenHash)) return;
    const { id, username } = session.user;
    removeFrom(this.byUser, id, session);
    removeFrom(this.byName, usernameKey(username), session);
    this.broker.release({ id, username });
    for (const listener of this.closedListeners) listener(session);
  }

  /** Calls `listener` with each session that ends on this node. */
  onClosed(listener: (session: Session) => void): void {
    this.closedListeners.push(listener);
  }

  /** Hands a ready frame to one session of this node, the way delivered frames go. */
  send(session: Session, frame: string): void {
    this.frameTo(session, frame);
  }

  /** A page of online users of every node, sorted by username (case-insensitive). */
  list(limit: number, after?: string): Promise<{ users: OnlineUser[]; total: number }> {
    return this.broker.list(limit, after);
  }

  /**
   * Sends a ready frame to a user's `sessions` live sessions, on this node and
   * the others; a promise when the way to another node is backed up (see Broker.send).
   */
  deliver(userId: number, frame: string, sessions: number): Promise<void> | undefined {
    // Closing a session replaces the index's array, so this loop's stays whole.
    const here = this.ofUser(userId);
    for (const s of here) this.frameTo(s, frame);
    if (sessions <= here.length) return undefined;
    return this.broker.send({ kind: 'deliver', userId, frame });
  }

  /** Sends every delivered frame through `route` instead of straight to the session. */
  routeFrames(route: (session: Session, frame: string) => void): void {
    this.frameTo = route;
  }

  /** Ends every session of a user on every node with `disconnect {reason: kicked}`. */
  kick(userId: number): void {
    this.end(userId, 'kicked');
  }

  /** Ends every session of a user on every node with `disconnect {reason}`, except `keep`. */
  end(userId: number, reason: DisconnectReason, keep?: Session): void {
    this.applyEverywhere({ kind: 'end', userId, reason, keep: keep?.tokenHash });
  }

  /** Gives every live session of a user its new level and tells them who changed it. */
  changeLevel(userId: number, level: string, by: string): void {
    this.applyEverywhere({ kind: 'level', userId, level, by });
  }

  /** Carries out a command for the user's sessions on this node (sent here or by another node). */
  apply(command: UserCommand): void {
    // Closing a session replaces the index's array, so the loop's stays whole.
    const sessions = this.ofUser(command.userId);
    if (command.kind === 'end' && command.oldest) {
      sessions[0]?.peer.disconnect(command.reason);
      return;
    }
    for (const s of sessions) {
      if (command.kind === 'deliver') this.frameTo(s, command.frame);
      else if (command.kind === 'end') {
        if (s.tokenHash !== command.keep) s.peer.disconnect(command.reason);
      } else {
        s.user.level = command.level;
        s.peer.sendEvent('permission_changed', 'system', { level: command.level, by: command.by });
      }
    }
  }

  /** Carries out a command here and has the broker carry it out on the other nodes. */
  private applyEverywhere(command: UserCommand): void {
    this.apply(command);
    this.broker.send(command);
  }
}

/** A command for one user's sessions (every NodeCommand but shutdown and the group ones). */
export type UserCommand = Extract<NodeCommand, { kind: 'deliver' | 'end' | 'level' }>;

/**
 * A new index array: `list` and then `session`, exactly as long as it needs to be
 * (a spread or push would reserve 17 slots, about 130 bytes more per session).
 */
function withSession(list: Session[] | undefined, session: Session): Session[] {
  return list === undefined ? [session] : list.concat(session);
}

function removeFrom<K>(index: Map<K, Session[]>, key: K, session: Session): void {
  const left = (index.get(key) ?? NONE).filter((s) => s !== session);
  if (left.length > 0) index.set(key, left);
  else index.delete(key);
}
