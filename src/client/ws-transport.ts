// The SDK's WebSocket transport: one JSON text per message on the server's /ws.
// It uses only the standard WebSocket API, so the browser's global WebSocket
// and the `ws` package (in Node) both fit; it imports no Node module.
import { LineEvents } from './line-events.ts';
import type { ClientTransport } from './transport-types.ts';

/** The part of the standard WebSocket API this transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number): void;
  addEventListener(
    type: 'open' | 'close' | 'error' | 'message',
    listener: (ev: never) => void,
  ): void;
}

/** A WebSocket class: the browser's `WebSocket`, or `WebSocket` from the `ws` package. */
export type WebSocketClass = new (url: string) => WebSocketLike;

/** Where and how to connect over WebSocket. */
export interface WebSocketOptions {
  /** `ws://host:port/ws`, or `wss://…` when the server has a certificate. */
  url: string;
  /** The WebSocket class to use (default: the global one, as in a browser). */
  WebSocket?: WebSocketClass;
  /** Give up connecting after this long (default 10,000 ms). */
  connectTimeoutMs?: number;
}

const OPEN = 1;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Opens a WebSocket; resolves once it is open. */
export function connectWebSocket(opts: WebSocketOptions): Promise<ClientTransport> {
  const Impl = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!Impl) {
    return Promise.reject(new Error('no WebSocket class: pass options.WebSocket (e.g. from "ws")'));
  }
  return new Promise((resolve, reject) => {
    const ws = new Impl(opts.url);
    const transport = new WebSocketTransport(ws);
    const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`connect to ${opts.url} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      resolve(transport);
    });
    transport.onClose((err) => {
      clearTimeout(timer);
      reject(err ?? new Error(`connect to ${opts.url} failed`));
    });
  });
}

/** An open WebSocket as a ClientTransport: each text message is one line. */
export class WebSocketTransport extends LineEvents implements ClientTransport {
  constructor(private readonly ws: WebSocketLike) {
    super();
    ws.addEventListener('message', (ev: { data: unknown }) => this.onMessage(ev.data));
    ws.addEventListener('error', () => this.noteError(new Error('WebSocket error')));
    ws.addEventListener('close', (ev: { code: number; reason: string }) => {
      // 1000: the server closed as planned; any other code says why it did.
      if (ev.code !== 1000 && ev.code !== 1005) {
        this.noteError(
          new Error(`WebSocket closed with code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`),
        );
      }
      this.announceClose();
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === OPEN;
  }

  send(line: string): void {
    if (this.isOpen) this.ws.send(line);
  }

  close(): void {
    this.ws.close(1000);
    // The close handshake may take a while; the Client is done with this connection now.
    this.announceClose();
  }

  private onMessage(data: unknown): void {
    // The server sends text only; a binary message is not a frame of the protocol.
    const line = typeof data === 'string' ? data : undefined;
    if (line === undefined) {
      this.noteError(new Error('server sent a binary WebSocket message'));
      this.close();
      return;
    }
    this.deliverLine(line);
  }
}
