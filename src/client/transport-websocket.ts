// A browser (or any WHATWG WebSocket) transport for the SDK: one JSON text per message on /ws.
import type { ClientTransport, TcpOptions } from './transport.ts';

/** Where the WebSocket endpoint lives, given the host and port Client.connect() was handed. */
export interface WebSocketOptions {
  /** `wss` for a page served over https (default: `ws`). */
  secure?: boolean;
  /** the endpoint's path (default `/ws`) */
  path?: string;
  /** give up connecting after this long (default 10,000 ms) */
  connectTimeoutMs?: number;
}

/**
 * Returns a `transport` option for Client that opens `ws://host:port/ws` with the global
 * WebSocket; each text message is one line for the SDK.
 */
export function webSocketTransport(
  opts: WebSocketOptions = {},
): (target: TcpOptions) => Promise<ClientTransport> {
  return (target) =>
    new Promise((resolve, reject) => {
      const scheme = opts.secure ? 'wss' : 'ws';
      const host = target.host.includes(':') ? `[${target.host}]` : target.host;
      const ws = new WebSocket(`${scheme}://${host}:${target.port}${opts.path ?? '/ws'}`);
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error('WebSocket connect timed out'));
      }, opts.connectTimeoutMs ?? 10_000);
      const t = new WebSocketTransport(ws);
      ws.addEventListener('open', () => {
        clearTimeout(timer);
        resolve(t);
      });
      ws.addEventListener('close', () => {
        clearTimeout(timer);
        reject(new Error('WebSocket closed before it opened'));
      });
    });
}

/** An open WebSocket as a ClientTransport. */
class WebSocketTransport implements ClientTransport {
  private readonly lineCbs: Array<(line: string) => void> = [];
  private readonly closeCbs: Array<(err?: Error) => void> = [];
  private early: string[] = [];
  private closed = false;

  constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') return;
      if (this.lineCbs.length === 0) this.early.push(ev.data);
      else for (const cb of this.lineCbs) cb(ev.data);
    });
    ws.addEventListener('close', () => {
      if (this.closed) return;
      this.closed = true;
      for (const cb of this.closeCbs.splice(0)) cb();
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  send(line: string): void {
    if (this.isOpen) this.ws.send(line);
  }

  close(): void {
    this.ws.close();
    if (this.closed) return;
    // Report the close now: the close handshake may take a while.
    this.closed = true;
    for (const cb of this.closeCbs.splice(0)) cb();
  }

  onLine(cb: (line: string) => void): void {
    this.lineCbs.push(cb);
    const early = this.early;
    this.early = [];
    for (const line of early) cb(line);
  }

  onClose(cb: (err?: Error) => void): void {
    if (this.closed) queueMicrotask(() => cb());
    else this.closeCbs.push(cb);
  }
}
