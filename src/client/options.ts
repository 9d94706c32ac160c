// The SDK client's options: the connection half's (CoreOptions) and resuming's (ResumeOptions).
import type { Client } from './client.ts';
import type { ClientClock } from './clock.ts';
import type { OpenTransport } from './transport-types.ts';

/** How the connection half behaves; every field has a default. */
export interface CoreOptions {
  /** Reject a request with RequestTimeoutError after this long (default 10,000 ms). */
  requestTimeoutMs?: number;
  /** Ping when idle and detect a dead server after login (default true). */
  heartbeat?: boolean;
  /** Opens the connection (default: what the entry point chose, see default-transport.ts). */
  transport?: OpenTransport;
  /** Time source and timers (default: performance.now and unref'd timers). */
  clock?: ClientClock;
  /**
   * On a plain (not TLS) connection with no hello after this long, send one `ping`: a TLS
   * server then hangs up at once, and connect() rejects with reason `server_speaks_tls`
   * instead of waiting for the timeout (default 1,000 ms; 0 turns it off).
   */
  helloProbeMs?: number;
}

/** Default request timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** The waits between reconnect attempts: exponential, capped, with jitter. */
export interface BackoffOptions {
  /** the first wait (default 500 ms) */
  initialDelayMs?: number;
  /** the longest wait (default 30,000 ms) */
  maxDelayMs?: number;
  /** each wait is this many times the one before, before jitter (default 2) */
  factor?: number;
}

/** Default backoff. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
};

/** How the Client keeps a session going across disconnects; every field has a default. */
export interface ResumeOptions {
  /**
   * Reconnect after an unexpected close (default false): `true` or the backoff to use. The
   * client then logs in again (with `relogin`, else the credentials login() was given).
   */
  reconnect?: boolean | BackoffOptions;
  /**
   * Logs in again on a new connection during a reconnect (e.g. `(c) => c.login(user, ask())`).
   * Without it, login() keeps the username and password in memory while reconnect is on.
   */
  relogin?: (client: Client) => Promise<unknown>;
  /** Ack each message handed to the application (default true). */
  autoAck?: boolean;
  /** How long acks are batched, one `ack` per conversation per batch (default 500 ms). */
  ackDelayMs?: number;
  /** Random numbers in [0, 1) for the backoff's jitter (default Math.random). */
  random?: () => number;
  /** Conversations whose high-water mark is kept for dropping duplicates (default 10,000). */
  maxTrackedConversations?: number;
}

/** Everything `new Client(options)` takes. */
export type ClientOptions = CoreOptions & ResumeOptions;

/**
 * The wait before reconnect attempt `attempt` (1, 2, …): `initialDelayMs * factor^(attempt-1)`,
 * capped at `maxDelayMs`, then "equal jitter": half of it fixed, half random.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const o = { ...DEFAULT_BACKOFF, ...opts };
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (base / 2) * random());
}
