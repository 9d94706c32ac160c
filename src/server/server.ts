// The server core: accepts transports, enforces connection caps, runs the
// heartbeat sweep and the graceful shutdown. Wiring lives in main.ts.

import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.ts';
import { MemoryBroker } from '../broker/memory.ts';
import { errorReply, event } from '../protocol/envelope.ts';
import { ActionError } from '../protocol/errors.ts';
import type { Storage } from '../storage/storage.ts';
import { ACTIONS } from './actions/index.ts';
import { ActionRegistry } from './actions/registry.ts';
import { type Clock, type Random, systemClock, systemRandom } from './clock.ts';
import { type Config, ConfigError } from './config.ts';
import { Connection, type ConnectionHost } from './connection.ts';
import { type HttpListener, listenHttp, type RenderedMetrics } from './http/listener.ts';
import { createIdentityServices } from './identity/index.ts';
import { LoginCodes } from './identity/login-codes.ts';
import { WebLoginLimit } from './identity/web-limits.ts';
import { WebLoginRoutes } from './identity/web-routes.ts';
import { Levels } from './levels.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import {
  type ConnectionStates,
  type FigureSource,
  ServerMetrics,
} from './metrics/server-metrics.ts';
import { AddressSet } from './security/addresses.ts';
import type { FailureCounts } from './security/failure-counts.ts';
import { HashGate } from './security/hash-gate.ts';
import { type MakeLimiter, memoryLimiters } from './security/limiter-store.ts';
import { Accounts } from './services/accounts.ts';
import { AuditLog } from './services/audit.ts';
import { ConversationReading } from './services/conversation-reading.ts';
import { Conversations } from './services/conversations.ts';
import { EmailCodes } from './services/email-codes.ts';
import { EmailConfirmation } from './services/email-confirmation.ts';
import { wireGroups } from './services/group-wiring.ts';
import type { Services } from './services/index.ts';
import { LoginThrottle } from './services/login-throttle.ts';
import { Messages } from './services/messages.ts';
import { PasswordReset } from './services/password-reset.ts';
import { RateLimits } from './services/rate-limits.ts';
import { RegistrationLimits } from './services/registration-limits.ts';
import { resyncLiveSessions } from './services/resync.ts';
import { Sessions } from './services/sessions.ts';
import { listenTcp, type TlsOptions } from './transport/tcp.ts';
import type { Transport, TransportKind, TransportSink } from './transport/transport.ts';
import { WsEndpoint } from './transport/ws.ts';

// Sockets allowed beyond max_connections while their TLS handshake runs.
const HANDSHAKE_HEADROOM = 64;

/** Where a refused transport's input goes: nowhere. */
const REFUSED: TransportSink = {
  onData: () => {},
  onFrame: () => {},
  onFrameRefused: () => {},
  onTransportClosed: () => {},
};

// How often unconfirmed accounts past their expiry are deleted.
const PENDING_SWEEP_MS = 10 * 60_000;

/** What the server is built from. */
export interface ServerOptions {
  config: Config;
  storage: Storage;
  log: Logger;
  clock?: Clock;
  random?: Random;
  /** Where confirmation emails go; by default what `mail.transport` says. */
  mailer?: Mailer;
  /** Presence and routing shared with other nodes; by default this process alone. */
  broker?: Broker;
  /** Where login, registration and reset limits count; by default this process. */
  limiters?: MakeLimiter;
  /** Where failed logins of names without an account count; by default this process. */
  loginFailures?: FailureCounts;
}

/** The shutdown reason of a drain for a restart: clients reconnect (to another node). */
export const RESTART_REASON = 'restart';

/** The running server. */
export class SuperServer implements ConnectionHost, FigureSource {
  readonly registry: ActionRegistry;
  readonly services: Services;
  /** This server's metrics registry; main.ts adds the process figures and serves it. */
  readonly metrics: ServerMetrics;
  /** False once shutdown began: no new requests are started (connection.ts reads it). */
  accepting = true;
  /** False once shutdown or a drain began: new connections are refused, /healthz says 503. */
  private admitting = true;
  /** Resolves once shutdown has finished draining and storage is closed. */
  readonly stopped: Promise<void>;

  private readonly connections = new Set<Connection>();
  private readonly mailer: Mailer;
  private readonly gate: HashGate;
  private readonly broker: Broker;
  /** The web ID login's /oidc/ routes, served by the HTTP listener. */
  private readonly webLogin: WebLoginRoutes;
  private readonly unauthenticatedByIp = new Map<string, number>();
  private unauthenticated = 0;
  private nextConnectionId = 1;
  private requestsInFlight = 0;
  /** Set during shutdown; called when the last request in flight has ended. */
  private onRequestsDone: (() => void) | undefined;
  private tcp: net.Server | undefined;
  private http: HttpListener | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private pendingTimer: NodeJS.Timeout | undefined;
  private shuttingDown: Promise<void> | undefined;
  /** True while draining for a restart (reason RESTART_REASON). */
  private draining = false;
  /** Set during a drain's delay; ends it early. */
  private endDrainDelay: (() => void) | undefined;
  /** Set during shutdown; called when the last connection has closed. */
  private onDrained: (() => void) | undefined;
  private markStopped!: () => void;

  constructor(private readonly options: ServerOptions) {
    const { config, storage, log } = options;
    const clock = options.clock ?? systemClock;
    const random = options.random ?? systemRandom;
    const levels = new Levels(config.levels);
    this.registry = new ActionRegistry(ACTIONS, levels);
    this.metrics = new ServerMetrics(this.registry.all(), this);
    const exempt = new AddressSet(config.limits.exempt_cidrs);
    this.mailer = options.mailer ?? createMailer(config, log);
    const audit = new AuditLog(storage, clock, log);
    this.gate = new HashGate(config.limits.hash_concurrency, config.limits.hash_queue);
    this.broker =
      options.broker ??
      new MemoryBroker({
        capacity: config.limits.user_capacity,
        perUser: config.session.sessions_per_user,
      });
    const sessions = new Sessions(this.broker, random, config.session.on_conflict);
    const limiters = options.limiters ?? memoryLimiters;
    const throttle = new LoginThrottle(
      config.login,
      exempt,
      clock,
      limiters,
      options.loginFailures,
    );
    const accounts = new Accounts({
      storage,
      levels,
      passwords: config.passwords,
      clock,
      gate: this.gate,
      throttle,
      audit,
    });
    const conversations = new Conversations(storage, sessions, config, clock, log, (size, ms) =>
      this.metrics.observeCommit(size, ms),
    );
    const group = wireGroups(
      { storage, levels, sessions, conversations, config, clock },
      this.broker,
    );
    this.services = {
      config,
      levels,
      storage,
      sessions,
      clock,
      random,
      log,
      metrics: this.metrics,
      accounts,
      audit,
      passwordReset: new PasswordReset({
        storage,
        accounts,
        codes: new EmailCodes({ storage, clock, random, accounts: config.accounts }),
        mailer: this.mailer,
        throttle,
        audit,
        limits: config.accounts,
        exempt,
        serverName: config.server.name,
        log,
        limiters,
      }),
      confirmation: new EmailConfirmation({
        storage,
        mailer: this.mailer,
        clock,
        random,
        accounts: config.accounts,
        serverName: config.server.name,
      }),
      messages: new Messages(sessions, config.session.sessions_per_user, storage, clock, random),
      conversations,
      reading: new ConversationReading(storage, conversations.directory, sessions, {
        readReceipts: config.messages.read_receipts,
        perUser: config.session.sessions_per_user,
      }),
      groups: group.groups,
      moderation: group.moderation,
      registrations: new RegistrationLimits(config.limits, exempt, limiters),
      rateLimits: new RateLimits(config.rate_limits, clock),
      identity: createIdentityServices(config, levels, log),
      loginCodes: new LoginCodes(
        storage.loginCodes,
        clock,
        random,
        config.identity.login_code_ttl_s * 1000,
      ),
      shutdown: (reason, by) => {
        this.broker.send({ kind: 'shutdown', reason, by });
        void this.shutdown(reason, by);
      },
    };
    this.broker.onCommand((command) => {
      if (command.kind === 'shutdown') void this.shutdown(command.reason, command.by);
      else if (command.kind === 'deliver' || command.kind === 'end' || command.kind === 'level') {
        sessions.apply(command);
      } else group.fanout.apply(command);
    });
    this.broker.onResync?.(() => void resyncLiveSessions(sessions, conversations, log));
    this.webLogin = new WebLoginRoutes({
      providers: this.services.identity.providers,
      levels,
      codes: this.services.loginCodes,
      limit: new WebLoginLimit(config.identity.web_logins_per_ip_per_minute, exempt, limiters),
      log,
    });
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve;
    });
  }

  /** Open connections by transport and state, counted when /metrics is scraped. */
  connectionStates(): Record<TransportKind, ConnectionStates> {
    const states = { tcp: { hello: 0, session: 0 }, ws: { hello: 0, session: 0 } };
    for (const conn of this.connections) {
      const kind = states[conn.transportKind];
      if (conn.session) kind.session++;
      else kind.hello++;
    }
    return states;
  }

  sessionCount(): number {
    return this.services.sessions.size;
  }

  hashLoad(): { running: number; waiting: number } {
    return this.gate.load;
  }

  messageTotals() {
    const { messages, conversations } = this.services;
    return {
      delivered: messages.delivered + conversations.delivery.delivered,
      replayed: conversations.delivery.replayed,
      ...conversations.totals,
    };
  }

  /** Binds the TCP listener and starts the heartbeat sweep; resolves with the real port. */
  async listen(): Promise<number> {
    const { config, log } = this.services;
    if (config.messages.store) await this.services.conversations.init();
    this.tcp = await listenTcp(this, config.server.host, config.server.port, loadTls(config));
    const { session } = config;
    const sweepMs = Math.min(
      1_000,
      Math.max(25, (Math.min(session.hello_ttl_s, session.heartbeat_timeout_s) * 1000) / 4),
    );
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.sweepTimer.unref();
    this.pendingTimer = setInterval(() => void this.deleteExpiredPending(), PENDING_SWEEP_MS);
    this.pendingTimer.unref();
    const address = this.tcp.address() as net.AddressInfo;
    log.debug({ sweepMs }, 'heartbeat sweep started');
    return address.port;
  }

  /**
   * Binds the HTTP listener (http.*: /ws, /healthz, /metrics when `renderMetrics`
   * is given, the web client), HTTPS/wss with the server's certificate; resolves
   * with its port. WebSocket connections share every cap with TCP ones.
   */
  async listenHttp(renderMetrics?: () => Promise<RenderedMetrics>): Promise<number> {
    const { config } = this.services;
    // One byte above the largest frame: the ws library reads it, so frame_too_large can be said.
    const ws = new WsEndpoint(this, { maxPayload: config.limits.max_frame_bytes + 1 });
    const tls = loadTls(config);
    this.http = await listenHttp(
      config,
      {
        ws,
        renderMetrics,
        accepting: () => this.admitting,
        draining: () => this.draining,
        webLogin: this.webLogin,
      },
      tls,
    );
    return this.http.port;
  }

  /** Closes the listeners bound so far (a start-up that failed half way). */
  closeListeners(): void {
    this.tcp?.close();
    this.http?.close();
    clearInterval(this.sweepTimer);
    clearInterval(this.pendingTimer);
  }

  /** Admits a new transport (TCP or WebSocket) if the caps allow it. */
  accept(transport: Transport): TransportSink {
    const conn = new Connection(this.nextConnectionId++, this, transport);
    const refusal = this.refusal(transport.remoteAddress);
    if (refusal) {
      conn.closeWith(errorReply(null, new ActionError('server_busy', refusal)));
      this.services.log.warn({ ip: transport.remoteAddress, refusal }, 'connection refused');
      return REFUSED;
    }
    this.connections.add(conn);
    this.countUnauthenticated(conn.ip, +1);
    conn.start();
    return conn;
  }

  private refusal(ip: string): string | undefined {
    const { limits } = this.services.config;
    if (!this.admitting) return 'the server is shutting down';
    if (this.connections.size >= limits.max_connections) return 'too many connections';
    if (this.unauthenticated >= limits.max_unauthenticated)
      return 'too many connections waiting to log in';
    if ((this.unauthenticatedByIp.get(ip) ?? 0) >= limits.max_unauthenticated_per_ip) {
      return 'too many connections waiting to log in from your address';
    }
    return undefined;
  }

  private countUnauthenticated(ip: string, delta: number): void {
    this.unauthenticated += delta;
    const n = (this.unauthenticatedByIp.get(ip) ?? 0) + delta;
    if (n > 0) this.unauthenticatedByIp.set(ip, n);
    else this.unauthenticatedByIp.delete(ip);
  }

  onSessionStarted(conn: Connection): void {
    this.countUnauthenticated(conn.ip, -1);
    this.services.log.info({ conn: conn.id, user: conn.session?.user.username }, 'session started');
  }

  onClosed(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.services.identity.deviceFlows.cancel(conn);
    if (conn.session) {
      this.services.sessions.close(conn.session);
      this.services.log.info({ conn: conn.id, user: conn.session.user.username }, 'session ended');
    } else {
      this.countUnauthenticated(conn.ip, -1);
    }
    if (this.shuttingDown && this.connections.size === 0) this.onDrained?.();
  }

  requestStarted(): void {
    this.requestsInFlight++;
  }

  requestEnded(): void {
    this.requestsInFlight--;
    if (this.requestsInFlight === 0) this.onRequestsDone?.();
  }

  /** Frees the names of unconfirmed accounts past their expiry, and of deleted ones past their hold. */
  private async deleteExpiredPending(): Promise<void> {
    const { storage, clock, log, config } = this.services;
    try {
      const n = await storage.deleteExpiredPending(clock.now());
      if (n > 0) log.info({ count: n }, 'expired pending accounts deleted');
      const held = config.accounts.deleted_name_hold_days;
      const freed = await this.services.accounts.releaseDeletedNames(held);
      if (freed > 0) log.info({ count: freed }, 'names of deleted accounts released');
    } catch (err) {
      log.error({ err }, 'deleting expired pending accounts failed');
    }
  }

  /** Closes connections whose login window or heartbeat ran out. */
  sweep(now = this.services.clock.now()): void {
    const timeoutMs = this.services.config.session.heartbeat_timeout_s * 1000;
    for (const conn of this.connections) {
      if (conn.session) {
        // A connection in oidc_wait is alive until its flow ends (expires_in at most).
        if (conn.waitingFlow) continue;
        if (now - conn.lastSeen >= timeoutMs) conn.disconnect('heartbeat_timeout');
      } else if (conn.loginExpired(now)) {
        conn.disconnect('login_timeout');
      }
    }
  }

  /**
   * Graceful stop: no new connections or requests, `shutdown` to everyone, drain, close storage.
   * Another reason during a drain's delay (a SIGTERM from a supervisor) ends the delay now.
   */
  shutdown(reason: string, by: string | null): Promise<void> {
    if (reason !== RESTART_REASON) this.endDrainDelay?.();
    this.shuttingDown ??= this.drain(reason, by);
    return this.shuttingDown;
  }

  /**
   * With reason RESTART_REASON the HTTP listener stays open until the clients are gone
   * (/healthz answers 503 `draining`), and server.drain_delay_s passes before they are told.
   */
  private async drain(reason: string, by: string | null): Promise<void> {
    const { config, log } = this.services;
    this.draining = reason === RESTART_REASON;
    log.info({ reason, by }, this.draining ? 'draining for a restart' : 'shutting down');
    this.services.audit.record({ actor: by, action: 'shutdown', outcome: 'ok', detail: reason });
    this.admitting = false;
    this.tcp?.close();
    if (!this.draining) this.http?.close();
    // While a drain waits for the load balancer, the connections it has are served on.
    if (this.draining) {
      const cut = new Promise<void>((resolve) => {
        this.endDrainDelay = resolve;
      });
      await waitAtMost(cut, config.server.drain_delay_s * 1000);
    }
    this.accepting = false;
    clearInterval(this.sweepTimer);
    clearInterval(this.pendingTimer);
    const deadline = Date.now() + config.server.shutdown_grace_s * 1000;
    const requestsDone = new Promise<void>((resolve) => {
      this.onRequestsDone = resolve;
      if (this.requestsInFlight === 0) resolve();
    });
    await waitAtMost(requestsDone, Math.min(1_000, deadline - Date.now()));
    const drained = new Promise<void>((resolve) => {
      this.onDrained = resolve;
    });
    const farewell = event('shutdown', 'system', { reason, by });
    for (const conn of [...this.connections]) conn.closeWith(farewell);
    if (this.connections.size > 0) await waitAtMost(drained, deadline - Date.now());
    if (this.draining) this.http?.close();
    await this.services.conversations.flush();
    await this.services.audit.flush();
    await this.options.storage.close();
    this.broker.close();
    this.mailer.close();
    log.info('stopped');
    this.markStopped();
  }
}

/** The certificate and key config names, read now; ConfigError naming the key if unusable. */
function loadTls(config: Config): TlsOptions | undefined {
  const { tls, limits } = config;
  if (tls.cert_file === '') return undefined;
  const read = (key: 'cert_file' | 'key_file') => {
    try {
      return readFileSync(tls[key]);
    } catch (err) {
      throw new ConfigError(`tls.${key}: cannot read ${tls[key]} (${(err as Error).message})`);
    }
  };
  const cert = read('cert_file');
  const key = read('key_file');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(`tls: unusable certificate or key (${(err as Error).message})`);
  }
  return {
    cert,
    key,
    handshakeTimeoutMs: tls.handshake_timeout_s * 1000,
    // Room above max_connections so the server's own cap (with its server_busy reply) acts first.
    maxSockets: limits.max_connections + HANDSHAKE_HEADROOM,
  };
}

function waitAtMost(work: Promise<unknown>, ms: number): Promise<unknown> {
  if (ms <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
