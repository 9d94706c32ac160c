// The tallies one load-generator thread keeps, and how it reads each line
// from the server: exact cheap checks for the hot frames, full parsing otherwise.
import { parseServerFrame } from '../../src/client/index.ts';
import type { BenchClient } from './bench-client.ts';
import { nowUs } from './bench-client.ts';
import { type HistogramData, LatencyHistogram } from './histogram.ts';
import { convAndSeq, logSeq, type SeqLog } from './seq-log.ts';

/** Tag prefixes of the requests the generator sends in the measured phase. */
export const MESSAGE_TAG = 'm';

import { PING_TAG } from './bench-client.ts';

export { PING_TAG };
/** Tag prefix of acks. */
export const ACK_TAG = 'a';
/** Tag prefix of sync requests (after `synced` with more: true). */
export const SYNC_TAG = 'y';
/** A recipient acks a conversation once this many messages are unacked (else on the timer). */
export const ACK_EVERY = 64;
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
  /** Messages received with "replayed": true. */
  replayed: number;
  acksSent: number;
  ackReplies: number;
  /** Clients whose replay ended (synced, then sync until more is false). */
  caughtUp: number;
  /** When the last client caught up (µs, CLOCK_MONOTONIC); 0 when none did. */
  lastCaughtUpUs: number;
  errors: Record<string, number>;
  samples: string[];
  latency: HistogramData;
  /** The same for receipts in the window's second half (a start transient shows as a difference). */
  latencySecondHalf: HistogramData;
  /** When each client got `shutdown` (µs, CLOCK_MONOTONIC); NaN when it did not. */
  shutdownAtUs: Float64Array;
}

/** Mutable state of one generator thread. */
export class LoadState {
  readonly latency = new LatencyHistogram();
  readonly latencySecondHalf = new LatencyHistogram();
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
  replayed = 0;
  acksSent = 0;
  ackReplies = 0;
  caughtUp = 0;
  lastCaughtUpUs = 0;
  /** Clients with received messages not acked yet. */
  private readonly unacked = new Set<BenchClient>();
  /**
   * Set (group-fanout): each client acks as the SDK does, after a random wait between half
   * of this and all of it from its first unacked message. Unset: a timer acks for all.
   */
  sdkAckDelayMs: number | undefined;
  /** Receipts between these instants (µs) count towards throughput and latency. */
  windowFromUs = Number.POSITIVE_INFINITY;
  windowUntilUs = Number.POSITIVE_INFINITY;
  /** Called after a message_user reply frees a slot of `client`. */
  onReplySlot: ((client: BenchClient) => void) | undefined;
  /** True while a `shutdown` event is the expected end (fanout). */
  expectShutdown = false;
  /** True once the thread closes its own sockets; closes after that are not errors. */
  closing = false;
  /** Set (failover): the (conv, seq) of every acknowledged send and every received message. */
  seqLog: SeqLog | undefined;

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
      this.onMessageLine(client, line);
    } else if (line.startsWith(`{"tag":"${PING_TAG}`) && line.includes('"ok":true')) {
      this.pongs += 1;
      client.onPong?.();
    } else if (line.startsWith(`{"tag":"${ACK_TAG}`) && line.includes('"ok":true')) {
      this.ackReplies += 1;
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
        client.onPong?.();
      } else if (tag.startsWith(SYNC_TAG) && reply.ok) {
        this.onSynced(client, (reply.data as { more?: unknown }).more === true);
      } else {
        this.fail(`reply:${reply.ok ? 'unexpected_ok' : reply.error.code}`, line);
      }
    } else if (frame.event.event === 'synced') {
      this.onSynced(client, (frame.event.data as { more?: unknown }).more === true);
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
    if (errorCode === undefined && this.seqLog) {
      const { conv, seq } = convAndSeq(line);
      if (conv !== '' && Number.isInteger(seq)) logSeq(this.seqLog.acked, conv, seq);
    }
    this.onReplySlot?.(client);
  }

  /** A message event: at most once per session, acked in batches, timed unless replayed. */
  private onMessageLine(client: BenchClient, line: string): void {
    const textAt = line.indexOf('"text":"');
    const sentUs =
      textAt < 0 ? Number.NaN : Number.parseInt(line.slice(textAt + 8, textAt + 30), 10);
    const convAt = line.indexOf('"conv":"');
    // The in-memory path (messages.store false) sends no conv or seq: nothing to ack.
    if (convAt < 0) {
      this.onMessage(sentUs, line);
      return;
    }
    const conv = line.slice(convAt + 8, line.indexOf('"', convAt + 8));
    const seqAt = line.indexOf('"seq":', convAt);
    const seq = seqAt < 0 ? Number.NaN : Number.parseInt(line.slice(seqAt + 6, seqAt + 24), 10);
    let cursor = client.cursors.get(conv);
    if (!cursor) {
      cursor = { received: 0, acked: 0 };
      client.cursors.set(conv, cursor);
    }
    if (!(seq > cursor.received)) {
      // Section C: within one session a message comes at most once, in seq order.
      this.received += 1;
      this.fail('message_twice_or_out_of_order', line);
      return;
    }
    const replayed = line.endsWith('"replayed":true}}');
    if (client.ownFrom !== '' && line.includes(client.ownFrom, convAt)) {
      // One session per user: a live frame of one's own message went to the sending session,
      // which has the reply and never gets the event (protocol.md section 10). Replayed, it is
      // what an earlier session sent (failover): in order, but no delivery to count.
      if (!replayed) this.fail('own_message_to_sending_session', line);
      else cursor.received = seq;
      return;
    }
    cursor.received = seq;
    if (this.seqLog) logSeq(this.seqLog.received, conv, seq);
    if (cursor.received - cursor.acked >= ACK_EVERY) this.sendAck(client, conv, cursor);
    else if (!this.unacked.has(client)) {
      this.unacked.add(client);
      const delay = this.sdkAckDelayMs;
      if (delay !== undefined) {
        setTimeout(() => this.flushClient(client), delay / 2 + (delay / 2) * Math.random());
      }
    }
    if (replayed) {
      this.received += 1;
      this.replayed += 1;
      return;
    }
    this.onMessage(sentUs, line);
  }

  private sendAck(client: BenchClient, conv: string, cursor: { received: number; acked: number }) {
    client.send('ack', [conv, cursor.received], ACK_TAG);
    cursor.acked = cursor.received;
    this.acksSent += 1;
  }

  /** Acks what every client received and has not acked yet (run on a timer). */
  flushAcks(): void {
    for (const client of this.unacked) this.ackAll(client);
    this.unacked.clear();
  }

  /** A client's own ack timer (sdkAckDelayMs): acks what it has not acked yet. */
  private flushClient(client: BenchClient): void {
    if (!this.unacked.delete(client) || client.closed) return;
    this.ackAll(client);
  }

  private ackAll(client: BenchClient): void {
    for (const [conv, cursor] of client.cursors) {
      if (cursor.received > cursor.acked) this.sendAck(client, conv, cursor);
    }
  }

  /** The end of a replay or a sync page: asks for more, or notes that the client caught up. */
  private onSynced(client: BenchClient, more: boolean): void {
    if (more) {
      client.send('sync', [], SYNC_TAG);
      return;
    }
    if (client.caughtUp) return;
    client.caughtUp = true;
    this.caughtUp += 1;
    this.lastCaughtUpUs = Math.max(this.lastCaughtUpUs, nowUs());
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
      if (now - this.windowFromUs >= this.windowUntilUs - now) {
        this.latencySecondHalf.record(now - sentUs);
      }
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
      replayed: this.replayed,
      acksSent: this.acksSent,
      ackReplies: this.ackReplies,
      caughtUp: this.caughtUp,
      lastCaughtUpUs: this.lastCaughtUpUs,
      errors: { ...this.errors },
      samples: [...this.samples],
      latency: this.latency.toData(),
      latencySecondHalf: this.latencySecondHalf.toData(),
      shutdownAtUs: this.shutdownAtUs.slice(),
    };
  }
}
