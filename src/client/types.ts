// The data shapes the SDK hands out: hello, messages, events and the async-iterator items.
import type { MemberEvent } from './group-types.ts';
import type { ServerEvent } from './message.ts';

/** The hello event's data: the server's identity, the hello token and its limits. */
export interface Hello {
  server: string;
  version: string;
  protocol: number;
  token: string;
  token_expires_in_s: number;
  heartbeat_interval_s: number;
  heartbeat_timeout_s: number;
  max_frame_bytes: number;
  max_frame_bytes_before_login: number;
  /** what the server offers, e.g. `["history"]` (stored conversations) */
  features?: string[];
  /** the id of the message store: positions kept for another epoch are dropped */
  epoch?: string;
}

/** A stored message, as in the `message` event and in history. */
export interface ChatMessage {
  id: string;
  /** the conversation: `dm:<id>:<id>` for a direct one, `#name` for a group */
  conv: string;
  /** its position in the conversation: 1, 2, 3, … */
  seq: number;
  from: string;
  /** the recipient's username (direct), or the group's conv */
  to: string;
  text: string;
  sent_at: string;
  /** the sender's own id for it, when given */
  client_id?: string;
  /** true when it comes from storage (the replay after login, or sync) */
  replayed?: boolean;
}

/** The `synced` event: the replay after login (or one sync()) sent `replayed` messages. */
export interface Synced {
  replayed: number;
  /** more are pending: the client fetches them with sync() by itself */
  more: boolean;
}

/** The `read` event: `by` has read `conv` up to `seq` (a read receipt). */
export interface ReadReceipt {
  conv: string;
  seq: number;
  by: string;
}

/** An ack the server answered: the cursor of `conv` is now `seq`. */
export interface Acked {
  conv: string;
  seq: number;
}

/** A reconnect attempt is planned after `delayMs`. */
export interface Reconnecting {
  attempt: number;
  delayMs: number;
  /** why the previous attempt failed (absent for the first) */
  error?: Error;
}

/** One page of history: ascending `seq`; `more` when older messages exist. */
export interface HistoryPage {
  conv: string;
  messages: ChatMessage[];
  more: boolean;
}

/** One of the user's conversations, as listed by `conversations`. */
export interface Conversation {
  conv: string;
  kind: 'direct' | 'group';
  /** the other user's name, or the group's conv */
  title: string;
  last_seq: number;
  read_seq: number;
  unread: number;
  /** direct conversations (read receipts on): how far the other user has read */
  peer_read_seq?: number;
  last: ChatMessage | null;
}

/** A page of conversations, most recent activity first. */
export interface ConversationPage {
  conversations: Conversation[];
  total: number;
}

/** mark_read's reply. */
export interface ReadMarker {
  conv: string;
  read_seq: number;
  unread: number;
}

/** The `permission_changed` event's data. */
export interface PermissionChanged {
  level: string;
  by: string | null;
}

/** The `shutdown` event's data; `by` is null when a signal stopped the server. */
export interface Shutdown {
  reason: string;
  by: string | null;
}

/** The `disconnect` event's data. */
export interface Disconnect {
  reason: string;
}

/** Why a connection ended: see ConnectionClosedError for the reasons. */
export interface CloseInfo {
  reason?: string;
  error?: Error;
}

/** The Client's typed event map (node:events style: event name → listener arguments). */
export type ClientEvents = {
  hello: [Hello];
  message: [ChatMessage];
  permission_changed: [PermissionChanged];
  shutdown: [Shutdown];
  disconnect: [Disconnect];
  /** the replay after login is complete (and after each sync()) */
  synced: [Synced];
  read: [ReadReceipt];
  /** a group's membership changed (a join, a kick, a new role, the group deleted, …) */
  member: [MemberEvent];
  /** an automatic ack was answered */
  acked: [Acked];
  /** the connection was lost and the client will reconnect (reconnect on) */
  offline: [CloseInfo];
  /** a reconnect attempt is planned */
  reconnecting: [Reconnecting];
  /** logged in again after offline; the replay follows */
  online: [Account];
  /** the client stopped reconnecting (e.g. the password no longer works) */
  resume_failed: [Error];
  /** every server event as received, known or not */
  event: [ServerEvent];
  /** exactly once per connection */
  close: [CloseInfo];
};

/**
 * One item of Client.events(): each server event once (events the SDK does not know come as
 * `unknown` with their wire `name`), then `close` last.
 */
export type ClientEvent =
  | { event: 'hello'; tag: string; data: Hello }
  | { event: 'message'; tag: string; data: ChatMessage }
  | { event: 'permission_changed'; tag: string; data: PermissionChanged }
  | { event: 'shutdown'; tag: string; data: Shutdown }
  | { event: 'disconnect'; tag: string; data: Disconnect }
  | { event: 'synced'; tag: string; data: Synced }
  | { event: 'read'; tag: string; data: ReadReceipt }
  | { event: 'member'; tag: string; data: MemberEvent }
  | { event: 'unknown'; name: string; tag: string; data: unknown }
  | { event: 'close'; tag: null; data: CloseInfo };

/** The account a session or verification belongs to. */
export interface Account {
  id: string;
  username: string;
  level: string;
}

/** create_user's reply: when `confirm` is true, Client.confirm(code) must follow. */
export interface Registration {
  id: string;
  username: string;
  confirm: boolean;
}

/** show_online_users' reply. */
export interface OnlineUsers {
  users: { id: string; username: string }[];
  total: number;
}

/** message_user's reply; `id` is the same as in the recipient's `message` event. */
export interface SentMessage {
  id: string;
  conv: string;
  seq: number;
  /** the recipient had a live session (else it is stored for them) */
  delivered: boolean;
  /** a resend of a client_id already stored: these are the original's fields */
  duplicate?: boolean;
}

/** change_permission_level's reply. */
export interface LevelChange {
  username: string;
  level: string;
}

/** kick's reply: how many sessions were ended. */
export interface Kicked {
  username: string;
  sessions: number;
}

/**
 * user_info's reply; `email` and `phone` only for yourself or an admin, `banned` and
 * `ban_reason` only for admins.
 */
export interface UserInfo {
  id: string;
  username: string;
  level: string;
  online: boolean;
  created_at: string;
  email?: string;
  phone?: string | null;
  banned?: boolean;
  ban_reason?: string | null;
}

/** ban's and unban's reply. */
export interface BanChange {
  username: string;
  banned: boolean;
}

/** One audit log entry as audit_log gives it (never a password, code or token). */
export interface AuditEntry {
  /** ISO 8601 time */
  at: string;
  /** username, `(cli)` for the operator's commands, or null for the server itself */
  actor: string | null;
  action: string;
  target: string | null;
  /** `ok`, or the error code that refused it */
  outcome: string;
  detail: string | null;
  address: string | null;
}

/** audit_log's reply: entries newest first; `next` is the cursor of the older page, if any. */
export interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
}
