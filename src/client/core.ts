// The connection half of the SDK client: one connection, replies matched by tag, events,
// heartbeat, and exactly one 'close' per connection.
import { EventEmitter } from 'node:events';
import { type ClientClock, systemClock } from './clock.ts';
import { ConnectionClosedError, FrameTooLargeError, ServerError } from './errors.ts';
import { EventQueue } from './event-queue.ts';
import { Heartbeat } from './heartbeat.ts';
import { DEFAULT_HELLO_PROBE_MS, HelloProbe } from './hello-probe.ts';
import { genMessage, parseServerFrame, type ServerEvent } from './message.ts';
import { PendingRequests } from './pending.ts';
import { type ClientTransport, connectTcp, type TcpOptions } from './transport.ts';
import type {
  Account,
  ChatMessage,
  ClientEvent,
  ClientEvents,
  CloseInfo,
  Disconnect,
  Hello,
  PermissionChanged,
  Shutdown,
} from './types.ts';

/** How a Client behaves; every field has a default. */
export interface ClientOptions {
  /** Reject a request with RequestTimeoutError after this long (default 10,000 ms). */
  requestTimeoutMs?: number;
  /** Ping when idle and detect a dead server after login (default true). */
  heartbeat?: boolean;
  /** Opens the connection (default connectTcp). */
  transport?: (opts: TcpOptions) => Promise<ClientTransport>;
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

const KNOWN_EVENTS = new Set(['hello', 'message', 'permission_changed', 'shutdown', 'disconnect']);

/**
 * The connection half of Client: connect, call with tag matching and timeouts, events, heartbeat,
 * close. Client adds the typed actions on top.
 */
export class ClientCore extends EventEmitter<ClientEvents> {
  private readonly requestTimeoutMs: number;
  private readonly heartbeatEnabled: boolean;
  private readonly openTransport: (opts: TcpOptions) => Promise<ClientTransport>;
  private readonly helloProbeMs: number;
  protected readonly clock: ClientClock;
  private readonly pending: PendingRequests;
  private readonly queues = new Set<EventQueue>();
  private closeWaiters: Array<() => void> = [];
  private transport: ClientTransport | undefined;
  private connecting = false;
  private abortConnect = false;
  private helloWaiter: { resolve: (h: Hello) => void; reject: (e: Error) => void } | undefined;
  private heartbeat: Heartbeat | undefined;
  private sessionToken: string | undefined;
  /** Why the server said it is closing (disconnect reason, 'shutdown', a tag-less error code). */
  private serverReason: string | undefined;
  private serverError: ServerError | undefined;
  /** The username a registration waits to confirm (never the password). */
  protected confirmUsername: string | undefined;
  private current: { hello?: Hello; account?: Account } = {};
  /** this connection's probe for a TLS server, until the hello */
  private probe: HelloProbe | undefined;

  constructor(opts: ClientOptions = {}) {
    super();
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.heartbeatEnabled = opts.heartbeat ?? true;
    this.openTransport = opts.transport ?? connectTcp;
    this.clock = opts.clock ?? systemClock;
    this.helloProbeMs = opts.helloProbeMs ?? DEFAULT_HELLO_PROBE_MS;
    this.pending = new PendingRequests(this.clock, this.requestTimeoutMs);
  }

  /** The hello of the current (or last) connection. */
  get hello(): Hello | undefined {
    return this.current.hello;
  }
  /** The logged-in username (kept after close until the next connect). */
  get username(): string | undefined {
    return this.current.account?.username;
  }
  /** The session's permission level, updated by permission_changed. */
  get level(): string | undefined {
    return this.current.account?.level;
  }
  /** The logged-in user's id (`"00042"`). */
  get id(): string | undefined {
    return this.current.account?.id;
  }
  /** The username a register() on this connection left waiting for confirm(code), if any. */
  get awaitingConfirmation(): string | undefined {
    return this.confirmUsername;
  }
  /** True between the hello and the close. */
  get isConnected(): boolean {
    return this.transport !== undefined && this.current.hello !== undefined;
  }
  /** True while connected with a session. */
  get isLoggedIn(): boolean {
    return this.isConnected && this.sessionToken !== undefined;
  }

  /** Connects and resolves with the hello; rejects if the server refuses or closes first. */
  async connect(opts: TcpOptions): Promise<Hello> {
    if (this.transport || this.connecting) throw new Error('already connected');
    this.connecting = true;
    this.abortConnect = false;
    let t: ClientTransport;
    try {
      t = await this.openTransport(opts);
    } finally {
      this.connecting = false;
    }
    if (this.abortConnect) {
      t.close();
      throw new ConnectionClosedError('client_closed');
    }
    this.transport = t;
    this.current = {};
    this.sessionToken = undefined;
    this.serverReason = undefined;
    this.serverError = undefined;
    this.confirmUsername = undefined;
    const hello = new Promise<Hello>((resolve, reject) => {
      this.helloWaiter = { resolve, reject };
    });
    const timer = this.clock.setTimer(() => this.finish(t, 'hello_timeout'), this.requestTimeoutMs);
    const probe = new HelloProbe(this.clock, t, opts.tls === undefined ? this.helloProbeMs : 0);
    this.probe = probe;
    t.onLine((line) => this.onLine(t, line));
    t.onClose((err) => {
      const reason = this.current.hello ? 'connection_lost' : probe.reasonForClose(err);
      this.finish(t, reason, err);
    });
    try {
      return await hello;
    } finally {
      this.clock.clearTimer(timer);
      probe.stop();
      this.probe = undefined;
    }
  }

  /** Sends a request with the right token; resolves with the reply's data. */
  call(action: string, data: unknown[] = []): Promise<unknown> {
    const t = this.transport;
    const hello = this.current.hello;
    if (!t || !hello) return Promise.reject(new ConnectionClosedError('not_connected'));
    const tag = this.pending.nextTag();
    let line: string;
    try {
      line = JSON.stringify(genMessage(action, data, tag, this.sessionToken ?? hello.token));
    } catch (err) {
      return Promise.reject(err); // e.g. a BigInt or a cycle in `data`
    }
    const limit = this.sessionToken ? hello.max_frame_bytes : hello.max_frame_bytes_before_login;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short lines need no byte count.
    const bytes = line.length * 3 > limit ? Buffer.byteLength(line) : line.length;
    if (bytes > limit) return Promise.reject(new FrameTooLargeError(action, bytes, limit));
    const reply = this.pending.add(tag, action);
    t.send(line);
    this.heartbeat?.sent();
    return reply;
  }

  /** Logs out and resolves once the connection has closed. */
  async logout(): Promise<void> {
    const t = this.transport;
    if (!t) return;
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    await this.call('logout');
    const timer = this.clock.setTimer(() => this.finish(t, 'logged_out'), this.requestTimeoutMs);
    await closed;
    this.clock.clearTimer(timer);
  }

  /** Drops the connection now; 'close' follows with reason 'client_closed'. */
  close(): void {
    if (this.connecting) this.abortConnect = true;
    if (this.transport) this.finish(this.transport, 'client_closed');
  }

  /** Every event from now on (see ClientEvent), for `for await`; ends after the next close. */
  events(): AsyncIterableIterator<ClientEvent> {
    const queue: EventQueue = new EventQueue(() => this.queues.delete(queue));
    this.queues.add(queue);
    return queue;
  }

  /** Runs set_user on a verified connection: keeps the session token, starts the heartbeat. */
  protected async setUser(): Promise<Account> {
    const r = (await this.call('set_user')) as { token: string } & Account;
    const t = this.transport;
    if (!t) throw new ConnectionClosedError(this.serverReason ?? 'connection_lost');
    this.sessionToken = r.token;
    this.confirmUsername = undefined;
    const account = { id: r.id, username: r.username, level: r.level };
    this.current.account = { ...account };
    const hello = this.current.hello;
    if (this.heartbeatEnabled && hello && !this.heartbeat) {
      this.heartbeat = new Heartbeat({
        intervalMs: hello.heartbeat_interval_s * 1000,
        timeoutMs: hello.heartbeat_timeout_s * 1000,
        clock: this.clock,
        sendPing: () => void this.call('ping').catch(() => {}),
        onDead: () => this.finish(t, 'heartbeat_timeout'),
      });
    }
    return account;
  }

  private onLine(t: ClientTransport, line: string): void {
    if (this.transport !== t) return;
    this.probe?.sawLine();
    this.heartbeat?.received();
    const frame = parseServerFrame(line);
    if (frame.kind === 'event') this.onEvent(frame.event);
    else if (frame.kind === 'reply' && !this.pending.settle(frame.reply)) {
      const reply = frame.reply;
      // A tag-less error (server_busy at connect, frame_too_large) comes just before a close.
      if (reply.tag === null && !reply.ok) {
        this.serverReason ??= reply.error.code;
        this.serverError ??= new ServerError(reply.error.code, reply.error.message, 'connect');
      }
    }
  }

  private onEvent(ev: ServerEvent): void {
    const { tag, data } = ev;
    if (typeof data !== 'object' || data === null || !KNOWN_EVENTS.has(ev.event)) {
      this.publish({ event: 'unknown', name: ev.event, tag, data });
    } else if (ev.event === 'hello') {
      if (!this.current.hello) this.onHello(tag, data as Hello);
    } else if (ev.event === 'message') {
      this.emit('message', data as ChatMessage);
      this.publish({ event: 'message', tag, data: data as ChatMessage });
    } else if (ev.event === 'permission_changed') {
      const changed = data as PermissionChanged;
      const account = this.current.account;
      if (account && typeof changed.level === 'string') account.level = changed.level;
      this.emit('permission_changed', changed);
      this.publish({ event: 'permission_changed', tag, data: changed });
    } else if (ev.event === 'shutdown') {
      this.serverReason ??= 'shutdown';
      this.emit('shutdown', data as Shutdown);
      this.publish({ event: 'shutdown', tag, data: data as Shutdown });
    } else {
      const reason = (data as Disconnect).reason;
      this.serverReason ??= typeof reason === 'string' ? reason : 'disconnect';
      this.emit('disconnect', data as Disconnect);
      this.publish({ event: 'disconnect', tag, data: data as Disconnect });
    }
    this.emit('event', ev);
  }

  private onHello(tag: string, hello: Hello): void {
    this.current.hello = hello;
    this.helloWaiter?.resolve(hello);
    this.helloWaiter = undefined;
    this.emit('hello', hello);
    this.publish({ event: 'hello', tag, data: hello });
  }

  private publish(item: ClientEvent): void {
    for (const q of this.queues) q.push(item);
  }

  /** Ends connection `t` once: stops timers, fails pending requests, emits 'close'. */
  private finish(t: ClientTransport, reason: string, err?: Error): void {
    if (this.transport !== t) return;
    this.transport = undefined;
    this.heartbeat?.stop();
    this.heartbeat = undefined;
    this.sessionToken = undefined;
    if (t.isOpen) t.close();
    const why = this.serverReason ?? reason;
    const error = err ?? this.serverError;
    this.pending.failAll(why, error);
    const waiter = this.helloWaiter;
    this.helloWaiter = undefined;
    waiter?.reject(this.serverError ?? new ConnectionClosedError(why, error));
    const info: CloseInfo = { reason: why };
    if (error) info.error = error;
    for (const resolve of this.closeWaiters.splice(0)) resolve();
    this.publish({ event: 'close', tag: null, data: info });
    this.emit('close', info);
  }
}
