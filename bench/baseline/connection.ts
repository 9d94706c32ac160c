// One baseline connection: NDJSON framing with byte limits, the login phase and
// tokens, rate windows, the error budget, and output batched per event-loop turn
// (one socket write per connection per turn, over the send-queue cap: slow_consumer).
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { errorFrame, eventFrame } from './frames.ts';
import type { Account, Peer } from './hub.ts';

/** The limits a connection enforces (the server's defaults; rates from the bench config). */
export interface Limits {
  maxFrameBytes: number;
  maxFrameBytesBeforeLogin: number;
  sendQueueBytes: number;
  protocolErrorBudget: number;
  helloTtlMs: number;
  heartbeatTimeoutMs: number;
  /** Rate-limit classes: requests allowed per window. */
  rates: Record<RateClass, { points: number; windowMs: number }>;
}

/** The rate-limit class of an action (as the server's: chat, auth, default). */
export type RateClass = 'chat' | 'auth' | 'default';

/** A fixed window of requests of one class. */
class RateWindow {
  private startMs = 0;
  private used = 0;
  constructor(
    private readonly points: number,
    private readonly windowMs: number,
  ) {}

  /** Takes one request at `nowMs`: 0 when allowed, else the ms until the window reopens. */
  take(nowMs: number): number {
    if (nowMs - this.startMs >= this.windowMs) {
      this.startMs = nowMs;
      this.used = 0;
    }
    if (this.used >= this.points) return this.startMs + this.windowMs - nowMs;
    this.used += 1;
    return 0;
  }
}

/** Handles one complete line; may return a promise (veus), during which reading pauses. */
export type LineHandler = (conn: Connection, line: string) => Promise<void> | undefined;

/** Connections with output this turn, written in one pass by flushAll. */
const dirty: Connection[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (const conn of dirty.splice(0)) conn.flush();
}

/** A client connection. */
export class Connection implements Peer {
  /** 'hello' until veus, 'verified' until set_user, then 'session'. */
  phase: 'hello' | 'verified' | 'session' = 'hello';
  /** The token this connection must present: the hello token, then the session token. */
  token = `h_${randomBytes(32).toString('base64url')}`;
  /** The verified account (after veus), then the session's. */
  account: Account | undefined;
  failedLogins = 0;
  protocolErrors = 0;
  /** When the last bytes came (ms since the epoch): the heartbeat, rate windows and sent_at. */
  lastSeenMs: number;
  readonly helloExpiresMs: number;
  readonly rates: Record<RateClass, RateWindow>;
  closed = false;
  private out = '';
  /** Bytes of an unfinished line, or the unread rest while a handler is pending. */
  private partial: Buffer | undefined;
  private paused = false;

  constructor(
    readonly socket: net.Socket,
    readonly limits: Limits,
    private readonly onLineOf: LineHandler,
    private readonly onClose: (conn: Connection) => void,
    nowMs: number,
  ) {
    this.lastSeenMs = nowMs;
    this.helloExpiresMs = nowMs + limits.helloTtlMs;
    const r = limits.rates;
    this.rates = {
      chat: new RateWindow(r.chat.points, r.chat.windowMs),
      auth: new RateWindow(r.auth.points, r.auth.windowMs),
      default: new RateWindow(r.default.points, r.default.windowMs),
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.close());
  }

  /** Appends a frame to this turn's output; written once the turn's work is done. */
  push(frame: string): void {
    if (this.closed) return;
    if (this.out === '') {
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
    this.out += frame;
  }

  /** Writes this turn's output in one write; past the send-queue cap, drops the client. */
  flush(): void {
    if (this.closed || this.out === '') return;
    this.socket.write(this.out);
    this.out = '';
    if (this.socket.writableLength > this.limits.sendQueueBytes) this.disconnect('slow_consumer');
  }

  /** Counts a protocol error and answers it; the budget's last one also disconnects. */
  protocolError(tag: string | null, code: string, message: string): void {
    this.push(errorFrame(tag, code, message));
    this.protocolErrors += 1;
    if (this.protocolErrors >= this.limits.protocolErrorBudget) this.disconnect('too_many_errors');
  }

  /** Sends `disconnect {reason}` after what is queued, then closes. */
  disconnect(reason: string): void {
    if (this.closed) return;
    this.push(eventFrame('disconnect', 'system', `{"reason":"${reason}"}`));
    this.end();
  }

  /** Writes what is queued, then ends the socket and forgets the connection. */
  private end(): void {
    this.flush();
    this.socket.end();
    this.close();
  }

  /** Forgets the connection (its session ends); the socket is destroyed unless ending. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out = '';
    if (!this.socket.writableEnded) this.socket.destroy();
    this.onClose(this);
  }

  private onData(chunk: Buffer): void {
    // One clock read per chunk: the rate windows and sent_at of its lines use it.
    this.lastSeenMs = Date.now();
    let buf = chunk;
    if (this.partial) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    this.consume(buf, 0);
  }

  /** Handles every complete line of `buf` from `start`; keeps the rest. */
  private consume(buf: Buffer, from: number): void {
    let start = from;
    while (!this.closed) {
      const limit =
        this.phase === 'session' ? this.limits.maxFrameBytes : this.limits.maxFrameBytesBeforeLogin;
      const nl = buf.indexOf(10, start);
      const end = nl < 0 ? buf.length : nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (end - start > limit) {
        // As the server: the error, then the connection closes (no disconnect event).
        this.push(errorFrame(null, 'frame_too_large', `frames are limited to ${limit} bytes`));
        this.end();
        return;
      }
      if (nl < 0) break;
      const line = buf.toString('utf8', start, end);
      start = nl + 1;
      if (line.trim() === '') continue;
      const pending = this.onLineOf(this, line);
      if (pending) {
        this.pauseFor(pending, buf, start);
        return;
      }
    }
    if (start < buf.length) this.partial = buf.subarray(start);
  }

  /** Stops reading until `pending` settles, then goes on with the unread rest of `buf`. */
  private pauseFor(pending: Promise<void>, buf: Buffer, start: number): void {
    this.paused = true;
    this.socket.pause();
    const resume = () => {
      this.paused = false;
      if (this.closed) return;
      const rest = this.partial;
      this.partial = undefined;
      if (rest) this.onData(rest);
      if (!this.paused && !this.closed) this.socket.resume();
    };
    this.partial = buf.subarray(start);
    pending.then(resume, resume);
  }
}
