// Counters of what ends or troubles a connection: frames refused before dispatch,
// by kind, and `disconnect` events, by reason; both per transport. They are only
// touched on those error and close paths, never per message.
import { Counter, type Registry } from 'prom-client';
import { DISCONNECT_REASONS, type DisconnectReason } from '../../protocol/envelope.ts';
import { TRANSPORT_KINDS, type TransportKind } from '../transport/transport.ts';

/** Why a frame was refused before it became a request. */
export const BAD_FRAME_KINDS = ['too_long', 'binary', 'invalid_json', 'invalid_envelope'] as const;

/** One of BAD_FRAME_KINDS. */
export type BadFrameKind = (typeof BAD_FRAME_KINDS)[number];

type Children<K extends string> = Record<TransportKind, Record<K, { inc(): void }>>;

/** Pre-bound counter children for every transport × label value, each created at 0. */
function children<K extends string>(counter: Counter<string>, values: readonly K[]): Children<K> {
  const byTransport = {} as Children<K>;
  for (const transport of TRANSPORT_KINDS) {
    const byValue = {} as Record<K, { inc(): void }>;
    for (const value of values) {
      const child = counter.labels(transport, value);
      child.inc(0);
      byValue[value] = child;
    }
    byTransport[transport] = byValue;
  }
  return byTransport;
}

/** The bad-frame and disconnect counters of one registry. */
export class ConnectionEventMetrics {
  private readonly badFrames: Children<BadFrameKind>;
  private readonly disconnects: Children<DisconnectReason>;

  constructor(registers: Registry[]) {
    this.badFrames = children(
      new Counter({
        name: 'super_server_bad_frames_total',
        help: 'Frames refused before dispatch, by transport and kind (too_long, binary, invalid_json, invalid_envelope).',
        labelNames: ['transport', 'kind'],
        registers,
      }),
      BAD_FRAME_KINDS,
    );
    this.disconnects = children(
      new Counter({
        name: 'super_server_disconnects_total',
        help: 'disconnect events the server sent, by transport and reason.',
        labelNames: ['transport', 'reason'],
        registers,
      }),
      DISCONNECT_REASONS,
    );
  }

  /** Counts one frame refused before dispatch. */
  badFrame(transport: TransportKind, kind: BadFrameKind): void {
    this.badFrames[transport][kind].inc();
  }

  /** Counts one `disconnect` event sent. */
  disconnected(transport: TransportKind, reason: DisconnectReason): void {
    this.disconnects[transport][reason].inc();
  }
}
