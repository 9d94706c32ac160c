// The resuming half of the SDK client: automatic acks, duplicates dropped by (conv, seq),
// reliable sends with a client_id, and reconnecting with backoff after an unexpected close.
import type { TimerHandle } from './clock.ts';
import { ClientCore } from './core.ts';
import { ConnectionClosedError, RequestTimeoutError, ServerError } from './errors.ts';
import {
  type BackoffOptions,
  backoffDelay,
  type ClientOptions,
  DEFAULT_BACKOFF,
} from './options.ts';
import { newClientId, Outbox, type OutboxEntry, type SendAction } from './outbox.ts';
import { Positions } from './positions.ts';
import type { ConnectTarget } from './transport-types.ts';
import type { Account, ChatMessage, CloseInfo, Synced } from './types.ts';

/** Close reasons after which reconnecting makes sense; any other reason ends the session. */
const RETRY_REASONS = new Set([
  'connection_lost',
  'heartbeat_timeout',
  'hello_timeout',
  'shutdown',
  'restart',
  'slow_consumer',
  'server_busy',
]);

/** Login refusals worth another attempt later; any other ServerError stops reconnecting. */
const RETRY_CODES = new Set(['already_logged_in', 'server_busy', 'rate_limited', 'internal_error']);

/** How often a send that timed out on a live connection is sent again before it fails. */
const TIMEOUT_RESENDS = 3;

/**
 * Default ack batching: acks go out within a second (CONVERSATIONS.md C). A late ack
 * only means duplicates after a reconnect, which the SDK drops; an early one is a request.
 */
export const DEFAULT_ACK_DELAY_MS = 1_000;

/** Connection plus resuming: what Client's typed actions are built on. */
export class ResumingCore extends ClientCore {
  private readonly positions: Positions;
  private readonly outbox = new Outbox();
  private readonly backoff: BackoffOptions | undefined;
  private readonly relogin: ClientOptions['relogin'];
  private readonly autoAck: boolean;
  private readonly ackDelayMs: number;
  private readonly random: () => number;
  #credentials: { user: string; password: string } | undefined;
  private target: ConnectTarget | undefined;
  /** a session to resume after an unexpected close */
  private resumable = false;
  private attempting = false;
  private attempt = 0;
  private offline = false;
  private retryTimer: TimerHandle | undefined;
  private ackTimer: TimerHandle | undefined;
  /** connections closed so far: a reply's failure counts only for the connection it was on */
  private generation = 0;
  /** after `synced {more: true}`: live messages wait until the backlog is in */
  private held: Array<[string, ChatMessage]> | undefined;

  constructor(opts: ClientOptions = {}) {
    super(opts);
    const r = opts.reconnect ?? false;
    this.backoff = r === false ? undefined : r === true ? DEFAULT_BACKOFF : r;
    this.relogin = opts.relogin;
    this.autoAck = opts.autoAck ?? true;
    this.ackDelayMs = opts.ackDelayMs ?? DEFAULT_ACK_DELAY_MS;
    this.random = opts.random ?? Math.random;
    this.positions = new Positions(opts.maxTrackedConversations);
    this.on('hello', (h) => this.positions.setEpoch(h.epoch));
    this.on('synced', (s) => this.onSynced(s));
    // A deleted group's name can be taken again, and the new group starts at seq 1.
    this.on('member', (m) => m.change === 'deleted' && this.positions.forget(m.conv));
    this.on('close', (info) => this.onClosed(info));
  }

  /** True while the connection is lost and the client is reconnecting (or about to). */
  get isOffline(): boolean {
    return this.offline;
  }

  /** Sends not yet answered by the server (queued while offline, or waiting for a reply). */
  get unsentCount(): number {
    return this.outbox.size;
  }

  /** Connects (see ClientCore); a reconnect still planned is cancelled. */
  override async connect(opts: ConnectTarget) {
    this.cancelRetry();
    this.offline = false;
    this.resumable = false;
    this.target = opts;
    return super.connect(opts);
  }

  /** Drops the connection and stops reconnecting; unanswered sends reject. */
  override close(): void {
    this.stopResuming(new ConnectionClosedError('client_closed'));
    super.close();
  }

  /** Sends the pending acks, logs out, and resolves once the connection has closed. */
  override async logout(): Promise<void> {
    this.resumable = false;
    await this.flushAcks();
    return super.logout();
  }

  /** Sends the pending acks now (one per conversation); resolves when they are answered. */
  async flushAcks(): Promise<void> {
    if (this.ackTimer !== undefined) this.clock.clearTimer(this.ackTimer);
    this.ackTimer = undefined;
    const batch = this.positions.takeAcks();
    await Promise.all(
      batch.map(([conv, seq]) =>
        this.call('ack', [conv, seq]).then(
          (r) => this.emit('acked', r as { conv: string; seq: number }),
          () => {}, // lost with the connection: those messages come again, and are dropped
        ),
      ),
    );
  }

  /** Pushes the next pending messages (sync); the client calls it itself after `more`. */
  async sync(limit?: number): Promise<Synced> {
    const r = (await this.call('sync', limit === undefined ? [] : [limit])) as Synced;
    this.emit('synced', r);
    return r;
  }

  /** Keeps the credentials of a login for reconnecting (only with reconnect on, no relogin). */
  protected keepCredentials(user: string, password: string): void {
    if (this.backoff && !this.relogin) this.#credentials = { user, password };
  }

  /** After every set_user: resumable from now on, and the queued sends go out. */
  protected override async setUser(): Promise<Account> {
    const account = await super.setUser();
    this.resumable = this.backoff !== undefined;
    for (const entry of this.outbox.waiting()) this.transmit(entry, 0);
    return account;
  }

  /**
   * message_user or message_group with a client_id; kept and sent again after a reconnect
   * until answered. Resolves with the reply's data.
   */
  protected reliableSend<T>(
    action: SendAction,
    to: string,
    text: string,
    clientId = newClientId(),
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const entry: OutboxEntry = {
        action,
        clientId,
        to,
        text,
        inFlight: false,
        resolve: resolve as (reply: unknown) => void,
        reject,
      };
      if (!this.outbox.add(entry)) {
        reject(new Error(`a send with client_id ${clientId} is already waiting`));
      } else if (this.isLoggedIn || !this.willResume()) this.transmit(entry, 0);
    });
  }

  protected override onMessage(tag: string, m: ChatMessage): void {
    if (typeof m.conv !== 'string' || typeof m.seq !== 'number') {
      super.onMessage(tag, m);
      return;
    }
    if (this.held && !m.replayed) {
      this.held.push([tag, m]);
      return;
    }
    if (!this.positions.accept(m.conv, m.seq)) return;
    super.onMessage(tag, m);
    if (this.autoAck) this.queueAck(m.conv, m.seq);
  }

  private transmit(entry: OutboxEntry, timeouts: number): void {
    const generation = this.generation;
    entry.inFlight = true;
    this.call(entry.action, [entry.to, entry.text, entry.clientId]).then(
      (reply) => {
        this.outbox.remove(entry);
        entry.resolve(reply);
      },
      (err: Error) => {
        if (generation !== this.generation && this.willResume()) return; // sent again anyway
        entry.inFlight = false;
        const again = err instanceof RequestTimeoutError && timeouts < TIMEOUT_RESENDS;
        if (again && this.isLoggedIn) this.transmit(entry, timeouts + 1);
        else if (err instanceof ConnectionClosedError && this.willResume()) return;
        else {
          this.outbox.remove(entry);
          entry.reject(err);
        }
      },
    );
  }

  private willResume(): boolean {
    return this.resumable && (this.#credentials !== undefined || this.relogin !== undefined);
  }

  private queueAck(conv: string, seq: number): void {
    this.positions.noteAck(conv, seq);
    if (this.ackTimer !== undefined) return;
    // Between half and all of the delay: the members of a group receive its message in
    // the same moment, and acking in the same moment too would be a burst at the server.
    const delay = this.ackDelayMs / 2 + (this.ackDelayMs / 2) * this.random();
    this.ackTimer = this.clock.setTimer(() => void this.flushAcks(), delay);
  }

  private onSynced(s: Synced): void {
    if (s.more) {
      this.held ??= [];
      void this.sync().catch(() => {}); // a close ends the catch-up; the next login replays
      return;
    }
    const held = this.held ?? [];
    this.held = undefined;
    for (const [tag, m] of held) this.onMessage(tag, m);
  }

  private onClosed(info: CloseInfo): void {
    this.generation++;
    this.held = undefined;
    this.positions.dropAcks();
    if (this.ackTimer !== undefined) this.clock.clearTimer(this.ackTimer);
    this.ackTimer = undefined;
    this.outbox.connectionLost();
    if (this.attempting) return; // the attempt decides what comes next
    if (!this.willResume() || !RETRY_REASONS.has(info.reason ?? '')) {
      const err = new ConnectionClosedError(info.reason, info.error);
      this.stopResuming(err);
      return;
    }
    this.offline = true;
    this.emit('offline', info);
    this.scheduleRetry();
  }

  private scheduleRetry(error?: Error): void {
    this.attempt++;
    const delayMs = backoffDelay(this.attempt, this.backoff ?? {}, this.random);
    this.emit(
      'reconnecting',
      error
        ? { attempt: this.attempt, delayMs, error }
        : {
            attempt: this.attempt,
            delayMs,
          },
    );
    this.retryTimer = this.clock.setTimer(() => {
      this.retryTimer = undefined;
      void this.tryResume();
    }, delayMs);
  }

  private async tryResume(): Promise<void> {
    const target = this.target;
    if (!target || !this.willResume()) return;
    this.attempting = true;
    let account: Account;
    try {
      await super.connect(target);
      account = await this.loginAgain();
    } catch (err) {
      if (this.isConnected) super.close();
      this.attempting = false;
      if (!this.resumable) return; // close() or connect() meanwhile
      const e = err as Error;
      if (e instanceof ServerError && !RETRY_CODES.has(e.code)) {
        this.stopResuming(e);
        this.emit('resume_failed', e);
      } else this.scheduleRetry(e);
      return;
    }
    this.attempting = false;
    this.attempt = 0;
    this.offline = false;
    this.emit('online', account);
  }

  private async loginAgain(): Promise<Account> {
    if (this.relogin) {
      await this.relogin(this as never);
      const { id, username, level } = this;
      if (!this.isLoggedIn || !id || !username || !level) {
        throw new ConnectionClosedError('relogin_failed');
      }
      return { id, username, level };
    }
    const c = this.#credentials;
    if (!c) throw new ConnectionClosedError('no_credentials');
    await this.call('veus', [c.user, c.password]);
    return this.setUser();
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimer(this.retryTimer);
    this.retryTimer = undefined;
    this.attempt = 0;
  }

  /** The session is over for good: no reconnect, no credentials, unanswered sends reject. */
  private stopResuming(err: Error): void {
    this.cancelRetry();
    this.resumable = false;
    this.offline = false;
    this.#credentials = undefined;
    this.outbox.failAll(err);
  }
}
