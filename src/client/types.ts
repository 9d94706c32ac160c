// The data shapes the SDK hands out: hello, messages, events and the async-iterator items.
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
}

/** A direct message, as in the `message` event. */
export interface ChatMessage {
  id: string;
  from: string;
  to: string;
  text: string;
  sent_at: string;
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
  delivered: boolean;
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
