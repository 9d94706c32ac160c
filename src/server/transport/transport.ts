// The socket-side interface a Connection drives; TCP now, WebSocket later.

/** Which transport a connection came in on (a label of the connection metrics). */
export type TransportKind = 'tcp' | 'ws';

/** One client socket, already framed by the transport into byte chunks. */
export interface Transport {
  readonly kind: TransportKind;
  /** The peer's IP address, for per-IP caps. */
  readonly remoteAddress: string;
  /** Queues one complete frame (with its line ending, for stream transports). */
  write(frame: string): void;
  /** Bytes accepted by write() that the peer has not taken yet (about: frames not yet handed to the socket count one per character). */
  bufferedBytes(): number;
  /** Stops delivering input (back-pressure) / resumes it. */
  pause(): void;
  resume(): void;
  /** Flushes what is queued, then closes; forces the close after a grace period. */
  close(): void;
}
