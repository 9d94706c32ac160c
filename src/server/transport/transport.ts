// The socket-side interface a Connection drives; TCP now, WebSocket later.

/** One client socket, already framed by the transport into byte chunks. */
export interface Transport {
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

/** Where a transport's input and its close go: the Connection itself, so no closures per socket. */
export interface TransportSink {
  /** Bytes read from the socket. */
  onData(chunk: Buffer): void;
  /** The socket is gone. */
  onTransportClosed(): void;
}
