// What the Client needs from a transport, and where it connects: a TCP address
// or a WebSocket URL. Types only, so importing them pulls no transport in.
import type { TcpOptions } from './transport.ts';
import type { WebSocketOptions } from './ws-transport.ts';

/** A connection that carries one JSON text per line; what Client needs from any transport. */
export interface ClientTransport {
  /** Sends one line; the transport adds the line ending. Ignored once closed. */
  send(line: string): void;
  /** Drops the connection now; onClose callbacks follow. */
  close(): void;
  /** Called with each line received, without its line ending. */
  onLine(cb: (line: string) => void): void;
  /** Called once when the connection is gone, with the error that ended it, if any. */
  onClose(cb: (err?: Error) => void): void;
  readonly isOpen: boolean;
}

/** Where a Client connects: TCP options (host, port, tls) or a WebSocket `url`. */
export type ConnectTarget = TcpOptions | WebSocketOptions;

/** Opens a transport to a target. */
export type OpenTransport = (target: ConnectTarget) => Promise<ClientTransport>;

/** True when the target is a WebSocket URL. */
export function isWebSocketTarget(target: ConnectTarget): target is WebSocketOptions {
  return 'url' in target;
}
