// An in-process SuperServer on a temporary SQLite file, driven through transports that
// check every frame the server writes as it is written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ERROR_CODES } from '../../src/protocol/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { SuperServer } from '../../src/server/server.ts';
import type { Transport, TransportSink } from '../../src/server/transport/transport.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';

const UNLIMITED = { points: 1_000_000, duration_s: 1, burst_points: 0, burst_duration_s: 1 };
const CODES: ReadonlySet<string> = new Set(ERROR_CODES);
const EVENTS = new Set([
  'hello',
  'message',
  'permission_changed',
  'shutdown',
  'disconnect',
  'synced',
  'read',
  'member',
]);
const REASONS = new Set([
  'login_timeout',
  'heartbeat_timeout',
  'too_many_errors',
  'too_many_login_attempts',
  'slow_consumer',
  'logged_out',
  'session_replaced',
  'kicked',
]);
/** Hello and session tokens: a kind letter, `_`, then 32 bytes in base64url. */
export const TOKEN_RE = /[hs]_[A-Za-z0-9_-]{43}/g;
const TOKEN_LENGTH = 45;
/** Marker passwords the fuzzer sends; none may ever come back. */
export const MARKER_RE = /Mk![A-Za-z0-9]{12}/;

/** A JSON frame as the server wrote it. */
export type Frame = Record<string, unknown>;

/** What the frame checks found across all connections. */
export class FrameAudit {
  readonly violations: string[] = [];
  readonly codes = new Map<string, number>();
  frames = 0;
  internal = 0;
  /** Strings no server frame may contain: account passwords. */
  readonly secrets = new Set<string>();
  /** Every token the server gave out, and the connection it gave it to. */
  private readonly issued = new Map<string, number>();

  /** Records a problem (only the first 30 are kept, with the count in `problems`). */
  fail(why: string): void {
    if (this.violations.length < 30) this.violations.push(why.slice(0, 600));
    this.problems++;
  }
  problems = 0;

  /** Checks one write: one line of JSON, a reply or a known event, nothing secret, no foreign token. */
  check(conn: FuzzConn, text: string): Frame | undefined {
    this.frames++;
    if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) {
      this.fail(`conn ${conn.label}: write is not one line: ${JSON.stringify(text.slice(0, 200))}`);
    }
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      this.fail(`conn ${conn.label}: not JSON: ${text.slice(0, 200)}`);
      return undefined;
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      this.fail(`conn ${conn.label}: not an object: ${text.slice(0, 200)}`);
      return undefined;
    }
    this.checkShape(conn, frame, text);
    const given = (token: string) => {
      conn.own.add(token);
      this.issued.set(token, conn.label);
    };
    if (frame.event === 'hello') given(String((frame.data as Frame)?.token));
    if (frame.ok === true && typeof (frame.data as Frame)?.token === 'string') {
      given((frame.data as Frame).token as string);
    }
    // A token the server gave another connection, unless this one sent it (an echoed tag).
    // A token-shaped string the server never gave out (random fuzz bytes) is no leak.
    for (const token of text.match(TOKEN_RE) ?? []) {
      const owner = this.issued.get(token);
      if (owner !== undefined && owner !== conn.label && !conn.sent.has(token)) {
        this.fail(`conn ${conn.label}: another connection's token in ${text.slice(0, 300)}`);
      }
    }
    if (MARKER_RE.test(text) || text.includes('$argon2')) {
      this.fail(`conn ${conn.label}: password or hash in ${text.slice(0, 300)}`);
    }
    for (const secret of this.secrets) {
      if (text.includes(secret)) this.fail(`conn ${conn.label}: password in ${text.slice(0, 300)}`);
    }
    return frame;
  }

  private checkShape(conn: FuzzConn, f: Frame, text: string): void {
    const bad = (why: string) => this.fail(`conn ${conn.label}: ${why}: ${text.slice(0, 300)}`);
    if ('ok' in f) {
      if (!(typeof f.tag === 'string' || f.tag === null)) bad('reply tag not string/null');
      if (f.ok === true) {
        if (!('data' in f)) bad('ok reply without data');
        this.count('OK');
        return;
      }
      const err = f.error as Frame | undefined;
      const code = String(err?.code);
      if (f.ok !== false || !CODES.has(code)) {
        bad('reply with unknown ok/code');
        return;
      }
      if (typeof err?.message !== 'string') bad('error without message');
      if (code === 'rate_limited' && typeof err?.retry_after_ms !== 'number') {
        bad('rate_limited without retry_after_ms');
      }
      if (code === 'internal') this.internal++;
      this.count(code);
      return;
    }
    if (typeof f.event !== 'string' || !EVENTS.has(f.event)) {
      bad('neither reply nor event');
      return;
    }
    if (f.event === 'disconnect' && !REASONS.has(String((f.data as Frame)?.reason))) {
      bad('unknown disconnect reason');
    }
    const reason = f.event === 'disconnect' ? `:${(f.data as Frame).reason}` : '';
    this.count(`event:${f.event}${reason}`);
  }

  private count(key: string): void {
    this.codes.set(key, (this.codes.get(key) ?? 0) + 1);
  }
}

/** A transport the fuzzer controls: records nothing but what the audit needs. */
class FuzzTransport implements Transport {
  readonly kind = 'tcp';
  paused = false;
  closed = false;
  /** When set, reports a full send queue so the server drops the client as a slow consumer. */
  slow = false;
  constructor(
    readonly remoteAddress: string,
    private readonly onWrite: (text: string) => void,
    private readonly onClosed: () => void,
  ) {}
  write(frame: string): void {
    this.onWrite(frame);
  }
  bufferedBytes(): number {
    return this.slow ? 1 << 30 : 0;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Like a socket: the close event comes later, from the event loop.
    setImmediate(this.onClosed);
  }
}

let nextLabel = 1;

/** One client connection into the in-process server. */
export class FuzzConn {
  readonly label = nextLabel++;
  readonly transport: FuzzTransport;
  /** Tokens the server gave this connection (hello, set_user). */
  readonly own = new Set<string>();
  /** Token-shaped strings this connection sent (an echo of them is no leak). */
  readonly sent = new Set<string>();
  helloToken = '';
  sessionToken: string | undefined;
  private readonly handlers: TransportSink;
  private readonly waiting = new Map<string, (f: Frame) => void>();
  private tagSeq = 0;

  constructor(
    server: SuperServer,
    private readonly audit: FrameAudit,
    ip = '127.0.0.1',
  ) {
    this.transport = new FuzzTransport(
      ip,
      (text) => this.onWrite(text),
      () => this.handlers.onTransportClosed(),
    );
    this.handlers = server.accept(this.transport);
  }

  /** True until the server closed the transport. */
  get open(): boolean {
    return !this.transport.closed;
  }

  /**
   * Feeds raw bytes, remembering any token-shaped strings in them, also one split across
   * two feeds (the end of the previous feed is looked at again with the next).
   */
  feed(bytes: Buffer): void {
    const text = this.sentTail + bytes.toString('latin1');
    for (const t of text.match(TOKEN_RE) ?? []) this.sent.add(t);
    this.sentTail = text.slice(-TOKEN_LENGTH);
    this.handlers.onData(bytes);
  }
  private sentTail = '';

  /** Sends a request and waits (at most 10 s) for its reply. */
  request(action: string, data: unknown[], token?: string): Promise<Frame> {
    const tag = `H${++this.tagSeq}`;
    const reply = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${action}`)), 10_000);
      this.waiting.set(tag, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
    this.feed(Buffer.from(`${JSON.stringify({ action, data, tag, token })}\n`));
    return reply;
  }

  /** Logs in as an existing account; returns the refusing reply, or undefined on success. */
  async login(username: string, password: string): Promise<Frame | undefined> {
    const v = await this.request('veus', [username, password], this.helloToken);
    if (v.ok !== true) return v;
    const s = await this.request('set_user', [], this.helloToken);
    if (s.ok !== true) return s;
    this.sessionToken = (s.data as Frame).token as string;
    return undefined;
  }

  /** The client goes away (its socket closes). */
  hangUp(): void {
    if (this.transport.closed) return;
    this.transport.closed = true;
    this.handlers.onTransportClosed();
  }

  private onWrite(text: string): void {
    const frame = this.audit.check(this, text);
    if (!frame) return;
    if (frame.event === 'hello') this.helloToken = String((frame.data as Frame).token);
    if (frame.ok === true && typeof (frame.data as Frame)?.token === 'string') {
      this.sessionToken = (frame.data as Frame).token as string;
    }
    const done = typeof frame.tag === 'string' ? this.waiting.get(frame.tag) : undefined;
    if (done && 'ok' in frame) {
      this.waiting.delete(frame.tag as string);
      done(frame);
    }
  }
}

/** A temp directory for the database, removed by the returned function. */
export function tempDb(): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'super-server-fuzz-'));
  return {
    file: join(dir, 'fuzz.db'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Error-level log lines the server wrote (an `internal` reply always logs one). */
export const errorLogs: string[] = [];

/** A server with request rate limits lifted and no caps a fuzz run would trip by volume. */
export function createServer(file: string): SuperServer {
  const config = loadConfig({
    flags: {
      'accounts.require_email_confirmation': false,
      'rate_limits.chat': UNLIMITED,
      'rate_limits.default': UNLIMITED,
      'rate_limits.auth': UNLIMITED,
      'limits.max_connections': 1_000_000,
      'limits.max_unauthenticated': 1_000_000,
      'limits.max_unauthenticated_per_ip': 1_000_000,
      'server.shutdown_grace_s': 0.5,
    },
  });
  const log = pino(
    { level: 'error' },
    {
      write: (line: string) => {
        if (errorLogs.length < 50) errorLogs.push(line.slice(0, 2_000));
      },
    },
  );
  return new SuperServer({ config, storage: openSqliteStorage(file), log });
}
