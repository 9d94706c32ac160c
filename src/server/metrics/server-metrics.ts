// The server's own metrics in a prom-client Registry: requests, messages, group
// commits, connections by state, slow-consumer drops, the argon2id gate. Figures
// the server keeps anyway are read at scrape time; the request path only observes
// into pre-bound children.
import { Counter, Gauge, Registry } from 'prom-client';
import type { Action } from '../actions/define.ts';
import { TRANSPORT_KINDS, type TransportKind } from '../transport/transport.ts';
import { ConnectionEventMetrics } from './connection-events.ts';
import { FastHistogram, type HistogramChild } from './fast-histogram.ts';
import { RequestMetrics } from './request-metrics.ts';

export { TRANSPORT_KINDS };

/** Open connections of one transport: before login (`hello`) and with a session. */
export interface ConnectionStates {
  hello: number;
  session: number;
}

/** What the server reports when scraped; nothing here is pushed on the request path. */
export interface FigureSource {
  connectionStates(): Record<TransportKind, ConnectionStates>;
  sessionCount(): number;
  hashLoad(): { running: number; waiting: number };
  /** Monotonic totals since start. */
  messageTotals(): {
    delivered: number;
    replayed: number;
    acked: number;
    storedDirect: number;
    storedGroup: number;
  };
}

/** Request latency bounds (s): from a ping (~50 µs) to a slow login or a stalled commit. */
export const REQUEST_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** Messages per group commit. */
export const COMMIT_SIZE_BUCKETS = [
  1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 10_000,
];
/** Group-commit duration bounds (s). */
export const COMMIT_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** The registry /metrics renders, with the recorders the server's hot paths call. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: RequestMetrics;
  /** Bad frames by kind and disconnects by reason, per transport (error and close paths only). */
  readonly connectionEvents: ConnectionEventMetrics;
  private readonly commitSize: HistogramChild;
  private readonly commitSeconds: HistogramChild;
  private readonly slowConsumers: Record<TransportKind, { inc(): void }>;

  constructor(actions: readonly Action[], source: FigureSource) {
    const registers = [this.registry];
    this.requests = new RequestMetrics(
      new FastHistogram({
        name: 'super_server_request_duration_seconds',
        help: 'Requests by action and outcome (ok or the error code), from dispatch to the reply being ready.',
        labelNames: ['action', 'outcome'],
        buckets: REQUEST_BUCKETS_S,
        registers,
      }),
      actions,
    );
    // Observed once per commit, on the path every send's reply waits for.
    this.commitSize = new FastHistogram({
      name: 'super_server_commit_batch_size',
      help: 'Messages written per group commit (one transaction).',
      labelNames: [],
      buckets: COMMIT_SIZE_BUCKETS,
      registers,
    }).child({});
    this.commitSeconds = new FastHistogram({
      name: 'super_server_commit_duration_seconds',
      help: 'Time one group commit took, which the replies of its messages waited for.',
      labelNames: [],
      buckets: COMMIT_BUCKETS_S,
      registers,
    }).child({});
    const drops = new Counter({
      name: 'super_server_slow_consumer_drops_total',
      help: 'Connections dropped because their send queue was full (disconnect slow_consumer).',
      labelNames: ['transport'],
      registers,
    });
    this.slowConsumers = { tcp: drops.labels('tcp'), ws: drops.labels('ws') };
    for (const kind of TRANSPORT_KINDS) drops.labels(kind).inc(0);
    this.connectionEvents = new ConnectionEventMetrics(registers);

    new Gauge({
      name: 'super_server_connections',
      help: 'Open client connections by transport and state (hello: not logged in yet; session).',
      labelNames: ['transport', 'state'],
      registers,
      collect() {
        const states = source.connectionStates();
        for (const kind of TRANSPORT_KINDS) {
          this.labels(kind, 'hello').set(states[kind].hello);
          this.labels(kind, 'session').set(states[kind].session);
        }
      },
    });
    gauge(registers, 'super_server_sessions', 'Logged-in sessions.', () => source.sessionCount());
    gauge(
      registers,
      'super_server_password_hashes_running',
      'argon2id operations running.',
      () => source.hashLoad().running,
    );
    gauge(
      registers,
      'super_server_password_hashes_waiting',
      'argon2id operations queued.',
      () => source.hashLoad().waiting,
    );
    total(
      registers,
      'super_server_messages_delivered_total',
      'Messages handed to a recipient session, live or replayed.',
      () => source.messageTotals().delivered,
    );
    total(
      registers,
      'super_server_messages_replayed_total',
      'Stored messages sent by a replay after set_user or a sync (replayed: true).',
      () => source.messageTotals().replayed,
    );
    total(
      registers,
      'super_server_messages_acked_total',
      'Positions the delivery cursors moved forward by ack.',
      () => source.messageTotals().acked,
    );
    new Counter({
      name: 'super_server_messages_stored_total',
      help: 'Messages written to storage (a retried send that was already stored is not counted).',
      labelNames: ['kind'],
      registers,
      collect() {
        const t = source.messageTotals();
        this.reset();
        this.labels('direct').inc(t.storedDirect);
        this.labels('group').inc(t.storedGroup);
      },
    });
  }

  /** Records one group commit: `size` messages in `ms` milliseconds. */
  observeCommit(size: number, ms: number): void {
    this.commitSize.observe(size);
    this.commitSeconds.observe(ms / 1000);
  }

  /** Counts a connection dropped as a slow consumer. */
  slowConsumerDropped(kind: TransportKind): void {
    this.slowConsumers[kind].inc();
  }
}

function gauge(registers: Registry[], name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

/** A counter whose total the server keeps; read at scrape time. */
function total(registers: Registry[], name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
