// One client connection: its login phase, hello token, error budget, ordered
// request processing and bounded send queue. Knows nothing of sockets.

import {
  type DisconnectReason,
  errorReply,
  event,
  parseRequest,
  type Request,
  replyLine,
} from '../protocol/envelope.ts';
import { ActionError, PROTOCOL_ERRORS } from '../protocol/errors.ts';
import { LineFramer } from '../protocol/ndjson.ts';
import { dispatch, type Outcome } from './actions/dispatch.ts';
import type { ActionRegistry } from './actions/registry.ts';
import type { VerifiedIdentity } from './identity/claims.ts';
import type { DeviceFlow } from './identity/device-flows.ts';
import type { BadFrameKind } from './metrics/connection-events.ts';
import { ReplyQueue } from './reply-queue.ts';
import { issueToken } from './security/tokens.ts';
import type { Services } from './services/index.ts';
import { ExcessTracker, newRateState, type RateState } from './services/rate-limits.ts';
import type { Identity, Session, SessionPeer } from './services/sessions.ts';
import type { CloseCause, Transport, TransportKind, TransportSink } from './transport/transport.ts';

/** What a connection needs from the server that owns it. */
export interface ConnectionHost {
  readonly registry: ActionRegistry;
  readonly services: Services;
  /** False once shutdown began: no new requests are started. */
  readonly accepting: boolean;
  onSessionStarted(conn: Connection): void;
  onClosed(conn: Connection): void;
  /** Counts requests in flight so shutdown can let them finish: one start, one end each. */
  requestStarted(): void;
  requestEnded(): void;
}

/** The server's version, reported in the hello. */
export const SERVER_VERSION = '0.1.0';

const TOO_LARGE = Symbol('too_large');
/** A binary WebSocket message: answered bad_request, then the connection closes (1003). */
const BINARY = Symbol('binary');
/** Disconnect reasons that are a policy violation (WebSocket close 1008, not 1000). */
const POLICY_REASONS: ReadonlySet<DisconnectReason> = new Set([
  'too_many_errors',
  'too_many_login_attempts',
  'kicked',
]);
/** Pipelined requests of one connection waiting for their replies at most. */
const MAX_PIPELINED = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** The follow-ups of a frame refused before dispatch (nothing to run; not a request in flight). */
const PARSE_FAILED: ReadonlyArray<() => void> = Object.freeze([]);

/** A client connection from hello to close. */
export class Connection implements SessionPeer, TransportSink {
  /** The account this connection proved it owns (veus / create_user), before set_user. */
  verified: Identity | undefined;
  /** The live session, once set_user succeeded. */
  session: Session | undefined;
  /** True once an account was registered on this connection (one per connection). */
  registered = false;
  /** The ID login that answered {link: "new"}, awaiting oidc_register (issue 16). */
  pendingIdentity: VerifiedIdentity | undefined;
  /** The device flow running for this connection (oidc_start, link_identity). */
  deviceFlow: DeviceFlow | undefined;
  /**
   * The flow an oidc_wait of this connection is waiting on. Meanwhile the connection counts
   * as alive (its pings queue behind the wait, so the inbox can fill and pause reading), at
   * most until the flow expires.
   */
  waitingFlow: DeviceFlow | undefined;
  /** Failed veus attempts on this connection. */
  failedLogins = 0;
  /** This connection's request rate-limit windows. */
  readonly rates: RateState = newRateState();
  /** Last time a frame arrived, for the heartbeat. */
  lastSeen: number;

  private readonly framer: LineFramer;
  private readonly inbox: Array<Buffer | typeof TOO_LARGE | typeof BINARY> = [];
  private processing = false;
  /** Replies in request order, each sent once it and every earlier one is ready. */
  private readonly replies = new ReplyQueue<Outcome>((outcome) => this.answer(outcome));
  private paused = false;
  private helloHash: string | undefined;
  private helloExpiresAt: number;
  private protocolErrors = 0;
  /** Whether this connection stays over its rate limits (then: too_many_errors). */
  private readonly excess: ExcessTracker;
  private closing = false;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly host: ConnectionHost,
    private readonly transport: Transport,
  ) {
    const { config, clock } = host.services;
    this.framer = new LineFramer(config.limits.max_frame_bytes_before_login);
    this.lastSeen = clock.now();
    this.helloExpiresAt = this.lastSeen + config.session.hello_ttl_s * 1000;
    this.excess = new ExcessTracker(config.rate_limits.excess_disconnect_s * 1000);
  }

  /** The peer's IP address. */
  get ip(): string {
    return this.transport.remoteAddress;
  }

  /** SHA-256 of the browser-binding cookie the WebSocket upgrade carried (web ID login). */
  get browserBinding(): string | undefined {
    return this.transport.browserBinding;
  }

  /** The transport this connection came in on, for the metrics. */
  get transportKind(): TransportKind {
    return this.transport.kind;
  }

  /** Sends the hello with a fresh connection-bound token. */
  start(): void {
    const { config, random } = this.host.services;
    const { token, hash } = issueToken(random, 'h');
    this.helloHash = hash;
    this.sendEvent('hello', 'join_protocol', {
      server: config.server.name,
      version: SERVER_VERSION,
      protocol: 1,
      token,
      token_expires_in_s: config.session.hello_ttl_s,
      heartbeat_interval_s: config.session.heartbeat_interval_s,
      heartbeat_timeout_s: config.session.heartbeat_timeout_s,
      max_frame_bytes: config.limits.max_frame_bytes,
      max_frame_bytes_before_login: config.limits.max_frame_bytes_before_login,
      features: config.messages.store ? ['history', 'groups'] : [],
      epoch: this.host.services.conversations.epoch,
    });
  }

  /** False once the server or the client began closing this connection. */
  get isOpen(): boolean {
    return !this.closing;
  }

  /** True when `hash` is this connection's hello token and it is still alive. */
  isHelloToken(hash: string): boolean {
    return (
      this.helloHash === hash &&
      this.session === undefined &&
      this.host.services.clock.now() < this.helloExpiresAt
    );
  }

  /**
   * Keeps the hello token alive for `ms` more from now (a device flow's lifetime); never
   * shortens it.
   */
  extendHello(ms: number): void {
    this.helloExpiresAt = Math.max(this.helloExpiresAt, this.host.services.clock.now() + ms);
  }

  /** True when the hello token ran out before a session was made. */
  loginExpired(now: number): boolean {
    return this.session === undefined && now >= this.helloExpiresAt;
  }

  /** Binds a new session: the hello token dies and the larger frame limit applies. */
  beginSession(session: Session): void {
    this.session = session;
    this.helloHash = undefined;
    this.verified = undefined;
    this.pendingIdentity = undefined;
    // An ID login still running is of no use once logged in: stop polling the IdP.
    if (this.deviceFlow?.purpose.kind === 'login') {
      this.deviceFlow.abort.abort();
      this.deviceFlow = undefined;
    }
    this.framer.setLimit(this.host.services.config.limits.max_frame_bytes);
    this.host.onSessionStarted(this);
  }

  /** Counts the connection as heard from now (the heartbeat's clock restarts). */
  touch(): void {
    this.lastSeen = this.host.services.clock.now();
  }

  /** Feeds bytes from a stream transport (TCP): the line framer splits them. */
  onData(chunk: Buffer): void {
    if (this.closing) return;
    const { lines, tooLarge } = this.framer.push(chunk);
    if (lines.length > 0) this.lastSeen = this.host.services.clock.now();
    this.inbox.push(...lines);
    if (tooLarge) this.inbox.push(TOO_LARGE);
    this.queued();
  }

  /**
   * Feeds one whole frame from a message transport (a WebSocket text message, or a
   * binary one, which is refused): the same size limit as a line, no line framer.
   */
  onFrame(frame: Buffer, binary = false): void {
    if (this.closing) return;
    this.lastSeen = this.host.services.clock.now();
    if (binary) this.inbox.push(BINARY);
    else this.inbox.push(frame.length > this.frameLimit() ? TOO_LARGE : frame);
    this.queued();
  }

  /** The frame limit now: the smaller one until the connection has a session. */
  frameLimit(): number {
    const { limits } = this.host.services.config;
    return this.session ? limits.max_frame_bytes : limits.max_frame_bytes_before_login;
  }

  /**
   * Handles what is queued: the pump answers what it can at once (synchronous requests);
   * if the inbox is still full after that, the transport is paused (back-pressure).
   */
  private queued(): void {
    void this.pump();
    if (this.inbox.length >= this.host.services.config.limits.inbox_frames && !this.paused) {
      this.paused = true;
      this.transport.pause();
    }
  }

  /** Sends an event frame. */
  sendEvent(name: string, tag: string, data: unknown): void {
    this.send(event(name, tag, data));
  }

  /** Sends an already serialised, newline-terminated frame. */
  sendFrame(frame: string): void {
    this.write(frame);
  }

  /** Sends `disconnect {reason}` and closes. */
  disconnect(reason: DisconnectReason): void {
    if (this.closing) return;
    this.host.services.metrics.connectionEvents.disconnected(this.transport.kind, reason);
    this.sendEvent('disconnect', 'system', { reason });
    this.close(POLICY_REASONS.has(reason) ? 'policy' : 'normal');
  }

  /** Sends a last frame (e.g. server_busy, shutdown) and closes. */
  closeWith(frame: object, cause: CloseCause = 'normal'): void {
    if (this.closing) return;
    this.send(frame);
    this.close(cause);
  }

  /**
   * Flushes and closes the transport. The session profile goes at once: a
   * client that is not reading may hold its socket open for the close grace
   * period, but it is offline from this moment.
   */
  close(cause: CloseCause = 'normal'): void {
    if (this.closing) return;
    this.closing = true;
    this.inbox.length = 0;
    if (this.session) this.host.services.sessions.close(this.session);
    this.transport.close(cause);
  }

  /** Counts a frame the transport refused itself (it closes the connection on its own). */
  onFrameRefused(kind: BadFrameKind): void {
    this.countBadFrame(kind);
  }

  /** Called by the transport once the socket is gone. */
  onTransportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.inbox.length = 0;
    this.host.onClosed(this);
  }

  private send(frame: object): void {
    this.write(`${JSON.stringify(frame)}\n`);
  }

  /** Queues a frame unless the client stopped reading: past send_queue_bytes it is dropped. */
  private write(text: string): void {
    if (this.closing) return;
    const limit = this.host.services.config.limits.send_queue_bytes;
    const buffered = this.transport.bufferedBytes();
    // A UTF-16 unit is at most 3 UTF-8 bytes: the exact count only near the cap.
    if (buffered + text.length * 3 > limit && buffered + Buffer.byteLength(text) > limit) {
      this.host.services.log.info({ conn: this.id }, 'dropping slow consumer');
      this.host.services.metrics.slowConsumerDropped(this.transport.kind);
      this.host.services.metrics.connectionEvents.disconnected(
        this.transport.kind,
        'slow_consumer',
      );
      this.transport.write(
        `${JSON.stringify(event('disconnect', 'system', { reason: 'slow_consumer' }))}\n`,
      );
      this.close();
      return;
    }
    this.transport.write(text);
  }

  /**
   * Handles queued frames in order, so replies keep request order. A pipelined action
   * (message_user) starts while earlier ones still wait for their commit, up to
   * MAX_PIPELINED; any other request starts only once every earlier reply was sent.
   */
  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.inbox.length > 0 && !this.closing) {
        const item = this.inbox.shift() as Buffer | typeof TOO_LARGE | typeof BINARY;
        if (item === TOO_LARGE || item === BINARY) {
          await this.replies.drained();
          const error =
            item === TOO_LARGE
              ? new ActionError(
                  'frame_too_large',
                  `frames are limited to ${this.frameLimit()} bytes`,
                )
              : new ActionError('bad_request', 'binary frames are not accepted; send text');
          this.countBadFrame(item === TOO_LARGE ? 'too_long' : 'binary');
          this.closeWith(errorReply(null, error), item === TOO_LARGE ? 'too_large' : 'unsupported');
          break;
        }
        if (!this.host.accepting) break;
        const request = this.parse(item);
        if (request === undefined) continue;
        const pipelined = this.host.registry.resolve(request.action)?.pipelined === true;
        // A request answered synchronously (ping) leaves the queue idle: no wait, no promise.
        if ((!pipelined || this.replies.size >= MAX_PIPELINED) && !this.replies.idle) {
          await this.replies.drained();
          if (this.closing || !this.host.accepting) break;
        }
        this.replies.push(this.run(request));
        if (!pipelined && !this.replies.idle) await this.replies.drained();
        if (this.paused && this.inbox.length === 0 && !this.closing) {
          this.paused = false;
          this.transport.resume();
        }
      }
    } finally {
      this.processing = false;
      // Empty: V8 then frees the slots shift() left behind (about 120 bytes per idle connection).
      if (this.inbox.length === 0) this.inbox.length = 0;
    }
  }

  /** Decodes and parses a frame; answers (in order) and returns undefined when it is bad. */
  private parse(bytes: Buffer): Request | undefined {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      this.countBadFrame('invalid_json');
      this.replies.push({
        reply: errorReply(null, new ActionError('bad_json', 'frame is not valid UTF-8')),
        after: PARSE_FAILED,
      });
      return undefined;
    }
    const parsed = parseRequest(text);
    if (parsed.ok) return parsed.request;
    this.countBadFrame(parsed.error.code === 'bad_json' ? 'invalid_json' : 'invalid_envelope');
    this.replies.push({ reply: errorReply(parsed.tag, parsed.error), after: PARSE_FAILED });
    return undefined;
  }

  private countBadFrame(kind: BadFrameKind): void {
    this.host.services.metrics.connectionEvents.badFrame(this.transport.kind, kind);
  }

  /** Starts a request; it counts as in flight (for shutdown) until its reply was handed on. */
  private run(request: Request): Outcome | Promise<Outcome> {
    this.host.requestStarted();
    return dispatch(this.host.registry, this.host.services, this, request);
  }

  /** Disconnects a client that stays over its rate limits (see ExcessTracker). */
  private trackExcess(code: string | undefined): void {
    const now = this.host.services.clock.now();
    if (this.excess.record(now, code === 'rate_limited')) this.disconnect('too_many_errors');
  }

  /** Sends a reply, runs its follow-ups and enforces the protocol error budget. */
  private answer(outcome: Outcome): void {
    try {
      this.reply(outcome);
    } finally {
      if (outcome.after !== PARSE_FAILED) this.host.requestEnded();
    }
  }

  private reply(outcome: Outcome): void {
    this.write(replyLine(outcome.reply));
    for (const fn of outcome.after) fn();
    this.trackExcess(outcome.reply.ok ? undefined : outcome.reply.error.code);
    if (!outcome.reply.ok && PROTOCOL_ERRORS.has(outcome.reply.error.code)) {
      this.protocolErrors++;
      if (this.protocolErrors >= this.host.services.config.limits.protocol_error_budget) {
        this.disconnect('too_many_errors');
      }
    }
  }
}
