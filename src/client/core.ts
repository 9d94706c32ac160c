// The connection half of the SDK client: one connection, replies matched by tag, events,
// heartbeat, and exactly one 'close' per connection.

import { type ClientClock, systemClock } from './clock.ts';
import { openDefaultTransport } from './default-transport.ts';
import { Emitter } from './emitter.ts';
import { ConnectionClosedError, FrameTooLargeError, ServerError } from './errors.ts';
import { EventQueue } from './event-queue.ts';
import { Heartbeat } from './heartbeat.ts';
import { DEFAULT_HELLO_PROBE_MS, HelloProbe } from './hello-probe.ts';
import { genMessage, parseServerFrame, type ServerEvent } from './message.ts';
import { type CoreOptions, DEFAULT_REQUEST_TIMEOUT_MS } from './options.ts';
import { PendingRequests } from './pending.ts';
import {
  type ClientTransport,
  type ConnectTarget,
  isWebSocketTarget,
  type OpenTransport,
} from './transport-types.ts';
import type {
  Account,
  ChatMessage,
  ClientEvent,
  ClientEvents,
  CloseInfo,
  Disconnect,
  Hello,
  PermissionChanged,
} from './types.ts';

/** The server events the SDK knows by name (see ClientEvents). */
type KnownEvent =
  | 'hello'
  | 'message'
  | 'permission_changed'
  | 'shutdown'
  | 'disconnect'
  | 'synced'
  | 'read'
  | 'member';

/** Counts a line's UTF-8 bytes in Node and in browsers alike (no Buffer there). */
const utf8 = new TextEncoder();

/** How one call differs from the client's defaults. */
export interface CallOptions {
  /** this request's timeout instead of the client's requestTimeoutMs */
  timeoutMs?: number;
  /**
   * The server answers only when something outside happens (oidc_wait: a person signing in):
   * while it waits, the heartbeat does not take the server's silence for a dead connection.
   */
  long?: boolean;
}

const KNOWN_EVENTS = new Set(
  'hello message permission_changed shutdown disconnect synced read member'.split(' '),
);

/**
 * The connection half of Client: connect, call with tag matching and timeouts, events, heartbeat,
 * close. Client adds the typed actions on top.
 */
export class ClientCore extends Emitter<ClientEvents> {
  protected readonly requestTimeoutMs: number;
  private readonly heartbeatEnabled: boolean;
  private readonly openTransport: OpenTransport;
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
  /** the tag of the set_user in flight: its token is taken as the reply arrives */
  private setUserTag: string | undefined;
  /**
   * Why the server said it is closing (disconnect reason, 'shutdown', 'restart' for a
   * `shutdown` whose reason is `restart`, a tag-less error code).
   */
  private serverReason: string | undefined;
  private serverError: ServerError | undefined;
  /** The username a registration waits to confirm (never the password). */
  protected confirmUsername: string | undefined;
  private current: { hello?: Hello; account?: Account } = {};
  /** long calls (CallOptions.long) waiting for their reply */
  private longCalls = 0;
  /** this connection's probe for a TLS server, until the hello */
  private probe: HelloProbe | undefined;

  constructor(opts: CoreOptions = {}) {
    super();
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.heartbeatEnabled = opts.heartbeat ?? true;
    this.openTransport = opts.transport ?? openDefaultTransport;
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
  async connect(opts: ConnectTarget): Promise<Hello> {
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
    // Only a plain TCP connection can have reached a TLS server by mistake.
    const plainTcp = !isWebSocketTarget(opts) && opts.tls === undefined;
    const probe = new HelloProbe(this.clock, t, plainTcp ? this.helloProbeMs : 0);
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
  call(action: string, data: unknown[] = [], opts: CallOptions = {}): Promise<unknown> {
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
    const bytes = line.length * 3 > limit ? utf8.encode(line).length : line.length;
    if (bytes > limit) return Promise.reject(new FrameTooLargeError(action, bytes, limit));
    let reply = this.pending.add(tag, action, opts.timeoutMs);
    if (action === 'set_user') this.setUserTag = tag;
    if (opts.long) {
      this.longCalls++;
      reply = reply.finally(() => {
        this.longCalls--;
      });
    }
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
    // Normally taken as the reply arrived (onLine), and maybe updated since.
    this.current.account ??= { id: r.id, username: r.username, level: r.level };
    const account = { ...this.current.account };
    const hello = this.current.hello;
    if (this.heartbeatEnabled && hello && !this.heartbeat) {
      this.heartbeat = new Heartbeat({
        intervalMs: hello.heartbeat_interval_s * 1000,
        timeoutMs: hello.heartbeat_timeout_s * 1000,
        clock: this.clock,
        sendPing: () => void this.call('ping').catch(() => {}),
        onDead: () => this.finish(t, 'heartbeat_timeout'),
        expectSilence: () => this.longCalls > 0,
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
    else if (frame.kind === 'reply' && frame.reply.tag === this.setUserTag && frame.reply.ok) {
      // Now, not when setUser() resumes: the replay after it comes in this same read, and
      // whoever handles it needs the session (its token, the username).
      const r = frame.reply.data as { token?: unknown } & Account;
      if (typeof r?.token === 'string') {
        this.sessionToken = r.token;
        this.current.account = { id: r.id, username: r.username, level: r.level };
      }
      this.pending.settle(frame.reply);
    } else if (frame.kind === 'reply' && !this.pending.settle(frame.reply)) {
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
    const name = ev.event;
    if (typeof data !== 'object' || data === null || !KNOWN_EVENTS.has(name)) {
      this.publish({ event: 'unknown', name, tag, data });
    } else if (name === 'hello') {
      if (!this.current.hello) this.onHello(tag, data as Hello);
    } else if (name === 'message') {
      this.onMessage(tag, data as ChatMessage);
    } else {
      const d = data as Partial<PermissionChanged & Disconnect>;
      const account = this.current.account;
      if (name === 'permission_changed' && account && typeof d.level === 'string') {
        account.level = d.level;
      } else if (name === 'shutdown') {
        // A drain for a restart: the node goes, the service stays (reconnect elsewhere).
        this.serverReason ??=
          (data as { reason?: unknown }).reason === 'restart' ? 'restart' : 'shutdown';
      } else if (name === 'disconnect') {
        this.serverReason ??= typeof d.reason === 'string' ? d.reason : 'disconnect';
      }
      this.deliver(name as KnownEvent, tag, data);
    }
    this.emit('event', ev);
  }

  /** A message event: hands it to the application (ResumingCore drops duplicates first). */
  protected onMessage(tag: string, message: ChatMessage): void {
    this.deliver('message', tag, message);
  }

  /** Emits a known event and queues it for the events() iterators. */
  protected deliver(name: KnownEvent, tag: string, data: unknown): void {
    (this.emit as (n: string, d: unknown) => boolean)(name, data);
    this.publish({ event: name, tag, data } as ClientEvent);
  }

  private onHello(tag: string, hello: Hello): void {
    this.current.hello = hello;
    this.helloWaiter?.resolve(hello);
    this.helloWaiter = undefined;
    this.deliver('hello', tag, hello);
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
