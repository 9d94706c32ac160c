// The tallies one load-generator thread keeps, and how it reads each line
// from the server: exact cheap checks for the hot frames, full parsing otherwise.
import { parseServerFrame } from '../../src/client/index.ts';
import type { BenchClient } from './bench-client.ts';
import { nowUs } from './bench-client.ts';
import { type HistogramData, LatencyHistogram } from './histogram.ts';

/** Tag prefixes of the requests the generator sends in the measured phase. */
export const MESSAGE_TAG = 'm';
/** Tag prefix of heartbeat pings. */
export const PING_TAG = 'p';
/** How many unexpected lines are kept verbatim for the report. */
const SAMPLE_LIMIT = 5;

/** A thread's counters, as posted to the main thread. */
export interface LoadTally {
  sent: number;
  acked: number;
  received: number;
  receivedInWindow: number;
  pongs: number;
  skipped: number;
  maxSendLateUs: number;
  shutdowns: number;
  errors: Record<string, number>;
  samples: string[];
  latency: HistogramData;
  /** When each client got `shutdown` (µs, CLOCK_MONOTONIC); NaN when it did not. */
  shutdownAtUs: Float64Array;
}

/** Mutable state of one generator thread. */
export class LoadState {
  readonly latency = new LatencyHistogram();
  readonly errors: Record<string, number> = {};
  readonly samples: string[] = [];
  readonly shutdownAtUs: Float64Array;
  sent = 0;
  acked = 0;
  received = 0;
  receivedInWindow = 0;
  pongs = 0;
  skipped = 0;
  maxSendLateUs = 0;
  shutdowns = 0;
  /** Receipts between these instants (µs) count towards throughput and latency. */
  windowFromUs = Number.POSITIVE_INFINITY;
  windowUntilUs = Number.POSITIVE_INFINITY;
  /** Called after a message_user reply frees a slot of `client`. */
  onReplySlot: ((client: BenchClient) => void) | undefined;
  /** True while a `shutdown` event is the expected end (fanout). */
  expectShutdown = false;
  /** True once the thread closes its own sockets; closes after that are not errors. */
  closing = false;

  constructor(clients: number) {
    this.shutdownAtUs = new Float64Array(clients).fill(Number.NaN);
  }

  /** Counts an unexpected outcome under `key`, keeping a few sample lines. */
  fail(key: string, line?: string): void {
    this.errors[key] = (this.errors[key] ?? 0) + 1;
    if (line !== undefined && this.samples.length < SAMPLE_LIMIT)
      this.samples.push(line.slice(0, 300));
  }

  /** Handles one line received by logged-in client number `slot` of this thread. */
  onLine(client: BenchClient, slot: number, line: string): void {
    // Fast paths: the server writes replies as {"tag":…,"ok":…} and events as {"event":…}.
    if (line.startsWith(`{"tag":"${MESSAGE_TAG}`) && line.includes('"ok":true')) {
      this.onMessageReply(client, line.includes('"delivered":true'), undefined, line);
    } else if (line.startsWith('{"event":"message"')) {
      const at = line.indexOf('"text":"');
      this.onMessage(at < 0 ? Number.NaN : Number.parseInt(line.slice(at + 8, at + 30), 10), line);
    } else if (line.startsWith(`{"tag":"${PING_TAG}`) && line.includes('"ok":true')) {
      this.pongs += 1;
    } else {
      this.onOtherLine(client, slot, line);
    }
  }

  /** Everything the fast paths do not cover, parsed in full. */
  private onOtherLine(client: BenchClient, slot: number, line: string): void {
    const frame = parseServerFrame(line);
    if (frame.kind === 'invalid') {
      this.fail('invalid_frame', line);
    } else if (frame.kind === 'reply') {
      const { reply } = frame;
      const tag = reply.tag ?? '';
      if (tag.startsWith(MESSAGE_TAG)) {
        const delivered = reply.ok && (reply.data as { delivered?: unknown }).delivered === true;
        const code = reply.ok ? undefined : reply.error.code;
        this.onMessageReply(client, delivered, code, line);
      } else if (tag.startsWith(PING_TAG) && reply.ok) {
        this.pongs += 1;
      } else {
        this.fail(`reply:${reply.ok ? 'unexpected_ok' : reply.error.code}`, line);
      }
    } else if (frame.event.event === 'message') {
      const text = (frame.event.data as { text?: unknown }).text;
      this.onMessage(typeof text === 'string' ? Number.parseInt(text, 10) : Number.NaN, line);
    } else if (frame.event.event === 'shutdown' && this.expectShutdown) {
      if (Number.isNaN(this.shutdownAtUs[slot] ?? 0)) {
        this.shutdownAtUs[slot] = nowUs();
        this.shutdowns += 1;
      }
    } else {
      const reason = (frame.event.data as { reason?: unknown } | undefined)?.reason;
      const detail = typeof reason === 'string' ? `:${reason}` : '';
      this.fail(`event:${frame.event.event}${detail}`, line);
    }
  }

  private onMessageReply(
    client: BenchClient,
    delivered: boolean,
    errorCode: string | undefined,
    line: string,
  ): void {
    client.outstanding -= 1;
    if (errorCode !== undefined) this.fail(`reply:${errorCode}`, line);
    else if (delivered) this.acked += 1;
    else this.fail('reply:not_delivered', line);
    this.onReplySlot?.(client);
  }

  private onMessage(sentUs: number, line: string): void {
    this.received += 1;
    if (Number.isNaN(sentUs)) {
      this.fail('message_without_time', line);
      return;
    }
    const now = nowUs();
    if (now >= this.windowFromUs && now < this.windowUntilUs) {
      this.receivedInWindow += 1;
      this.latency.record(now - sentUs);
    }
  }

  /** Called when a logged-in client's socket closed. */
  onClosed(slot: number): void {
    if (this.closing) return;
    if (this.expectShutdown && !Number.isNaN(this.shutdownAtUs[slot] ?? Number.NaN)) return;
    this.fail('connection_closed');
  }

  /** The counters as plain data for postMessage. */
  tally(): LoadTally {
    return {
      sent: this.sent,
      acked: this.acked,
      received: this.received,
      receivedInWindow: this.receivedInWindow,
      pongs: this.pongs,
      skipped: this.skipped,
      maxSendLateUs: this.maxSendLateUs,
      shutdowns: this.shutdowns,
      errors: { ...this.errors },
      samples: [...this.samples],
      latency: this.latency.toData(),
      shutdownAtUs: this.shutdownAtUs.slice(),
    };
  }
}
