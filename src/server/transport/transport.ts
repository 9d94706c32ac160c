// The socket-side interface a Connection drives: tcp.ts and ws.ts implement it.
import type { BadFrameKind } from '../metrics/connection-events.ts';

/**
 * Why a connection closes, for transports that can say so (WebSocket close
 * codes 1000, 1008, 1009, 1003); a byte stream just ends.
 */
export type CloseCause = 'normal' | 'policy' | 'too_large' | 'unsupported';

/** Which transport a connection came in on (a label of the connection metrics). */
export type TransportKind = 'tcp' | 'ws';

/** Every TransportKind, so each metrics series exists from the first scrape. */
export const TRANSPORT_KINDS: readonly TransportKind[] = ['tcp', 'ws'];

/** One client socket: a byte stream (TCP) or a stream of whole messages (WebSocket). */
export interface Transport {
  readonly kind: TransportKind;
  /** The peer's IP address, for per-IP caps. */
  readonly remoteAddress: string;
  /**
   * SHA-256 of the web ID login's browser-binding cookie, when a WebSocket upgrade carried
   * one: a login code is redeemed only on a connection from the browser it was issued to.
   */
  readonly browserBinding?: string;
  /** Queues one complete frame (with its line ending, for stream transports). */
  write(frame: string): void;
  /** Bytes accepted by write() that the peer has not taken yet (about: frames not yet handed to the socket count one per character). */
  bufferedBytes(): number;
  /** Stops delivering input (back-pressure) / resumes it. */
  pause(): void;
  resume(): void;
  /** Flushes what is queued, then closes; forces the close after a grace period. */
  close(cause?: CloseCause): void;
}

/** Where a transport's input and its close go: the Connection itself, so no closures per socket. */
export interface TransportSink {
  /** Bytes read from the socket. */
  onData(chunk: Buffer): void;
  /** One whole WebSocket message (text unless `binary`). */
  onFrame(frame: Buffer, binary: boolean): void;
  /** The transport itself refused a frame (the ws library closes on its own): for the metrics. */
  onFrameRefused(kind: BadFrameKind): void;
  /** The socket is gone. */
  onTransportClosed(): void;
}
