// The Broker: what server nodes share — who is online where, the session caps
// across all nodes, and commands for a user's sessions on other nodes. One
// process uses MemoryBroker; `--workers N` uses the cluster broker; a Redis
// broker can take the same place for several machines.
import type { DisconnectReason } from '../protocol/envelope.ts';
import type { OnlineUser, PresentUser } from './presence.ts';

export type { OnlineUser, PresentUser } from './presence.ts';

/** Work for a user's sessions on other nodes, or (shutdown, group commands) for every other node. */
export type NodeCommand =
  /** A ready, newline-terminated frame for each of the user's sessions. */
  | { kind: 'deliver'; userId: number; frame: string }
  /**
   * Ends the user's sessions with `disconnect {reason}`: all of them but the one
   * whose token hash is `keep`, or (oldest) only the oldest on each node.
   */
  | { kind: 'end'; userId: number; reason: DisconnectReason; keep?: string; oldest?: boolean }
  | { kind: 'level'; userId: number; level: string; by: string }
  /** A ready frame for every online member of a group (each node fans out to its own). */
  | { kind: 'group'; convId: number; frame: string }
  /** The user joined or left a group: each node updates its group → sessions index. */
  | { kind: 'group_member'; convId: number; userId: number; joined: boolean }
  /** The group was deleted: each node forgets its index entry. */
  | { kind: 'group_gone'; convId: number }
  | { kind: 'shutdown'; reason: string; by: string | null };

/** The answer to a session claim. */
export type ClaimResult = 'ok' | 'already_logged_in' | 'server_busy';

/** The caps a broker enforces across all nodes. */
export interface SessionCaps {
  /** Sessions per user (session.sessions_per_user). */
  perUser: number;
  /** Sessions in total (limits.user_capacity). */
  capacity: number;
}

/** Cross-node presence and routing, the same contract for every implementation. */
export interface Broker {
  /** Reserves one session for the user within the per-user and total caps of all nodes. */
  claim(user: OnlineUser): Promise<ClaimResult>;
  /** Gives back a session claimed on this node. */
  release(user: OnlineUser): void;
  /** The user's presence on all nodes, by username in any case. */
  find(username: string): Promise<PresentUser | undefined>;
  /** A page of online users of all nodes, sorted by username (case-insensitive). */
  list(limit: number, after?: string): Promise<{ users: OnlineUser[]; total: number }>;
  /**
   * Sends a command to the other nodes holding the user's sessions (shutdown: all
   * others). Returns a promise while the way there is backed up; a sender that
   * waits for it before answering its client keeps the backlog bounded.
   */
  send(command: NodeCommand): Promise<void> | undefined;
  /** Sets where commands from other nodes arrive. */
  onCommand(handler: (command: NodeCommand) => void): void;
  /**
   * Sets what runs when commands from other nodes may have been lost (the Redis
   * broker, after an outage): the node re-reads from storage what its live
   * sessions missed. Brokers that never lose commands do not call it.
   */
  onResync?(handler: () => void): void;
  /** Releases what the broker holds open (listeners, links); the server calls it last. */
  close(): void;
}
