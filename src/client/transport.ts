// The SDK's TCP transport (optionally TLS): NDJSON lines. Node only; the
// WebSocket transport (ws-transport.ts) is the one for browsers.
import net from 'node:net';
import tls from 'node:tls';
import { LineFramer } from '../protocol/ndjson.ts';
import { LineEvents } from './line-events.ts';
import type { ClientTransport } from './transport-types.ts';

export type { ClientTransport } from './transport-types.ts';

/** Where and how to connect over TCP. */
export interface TcpOptions {
  host: string;
  port: number;
  /** Use TLS (TLSv1.2 or later); `ca` pins the server's CA, `servername` sets SNI. */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean; servername?: string };
  /** Give up connecting after this long (default 10,000 ms). */
  connectTimeoutMs?: number;
  /** Largest line accepted from the server, in bytes (default 4 MiB); longer closes. */
  maxLineBytes?: number;
}

/** Default connect timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default limit on one received line. */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

/** Opens a TCP (or TLS) connection; resolves once it is established (and the handshake done). */
export function connectTcp(opts: TcpOptions): Promise<ClientTransport> {
  return new Promise((resolve, reject) => {
    const socket = opts.tls
      ? tls.connect({
          host: opts.host,
          port: opts.port,
          minVersion: 'TLSv1.2',
          ca: opts.tls.ca,
          rejectUnauthorized: opts.tls.rejectUnauthorized ?? true,
          servername: opts.tls.servername ?? (net.isIP(opts.host) ? undefined : opts.host),
        })
      : net.connect({ host: opts.host, port: opts.port });
    const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${opts.host}:${opts.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    const onError = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once(opts.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
      resolve(new SocketTransport(socket, maxLineBytes, { detectTls: !opts.tls }));
    });
  });
}

/** The error a plain connection closes with when the server answers with TLS records. */
export class ServerSpeaksTlsError extends Error {
  readonly code = 'ERR_SERVER_SPEAKS_TLS';
  constructor() {
    super('the server speaks TLS: use --tls');
    this.name = 'ServerSpeaksTlsError';
  }
}

// The first byte of a TLS record: 0x15 an alert, 0x16 a handshake. JSON lines never start so.
const TLS_RECORD_TYPES = new Set([0x15, 0x16]);

/** A connected net.Socket or tls.TLSSocket as a ClientTransport. */
export class SocketTransport extends LineEvents implements ClientTransport {
  private readonly splitter: LineSplitter;
  /** plain TCP, nothing received yet: a TLS record as the first byte closes at once */
  private checkFirstByte: boolean;

  constructor(
    private readonly socket: net.Socket,
    maxLineBytes: number,
    opts: { detectTls?: boolean } = {},
  ) {
    super();
    this.checkFirstByte = opts.detectTls === true;
    this.splitter = new LineSplitter(maxLineBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.noteError(err));
    socket.on('close', () => this.announceClose());
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  send(line: string): void {
    if (this.isOpen && this.socket.writable) this.socket.write(`${line}\n`);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.checkFirstByte && chunk.length > 0) {
      this.checkFirstByte = false;
      if (TLS_RECORD_TYPES.has(chunk[0] as number)) {
        this.noteError(new ServerSpeaksTlsError());
        this.socket.destroy();
        return;
      }
    }
    const { lines, tooLarge } = this.splitter.push(chunk);
    for (const line of lines) this.deliverLine(line);
    if (tooLarge) {
      this.noteError(new Error(`server sent a line over ${this.splitter.limit} bytes`));
      this.socket.destroy();
    }
  }
}

/** Splits a byte stream into non-empty UTF-8 lines (`\n` or `\r\n`), refusing lines over `limit`. */
export class LineSplitter {
  private readonly framer: LineFramer;

  constructor(readonly limit: number) {
    this.framer = new LineFramer(limit);
  }

  /** Feeds a chunk; returns the lines it completed, and whether a line went over the limit. */
  push(chunk: Buffer): { lines: string[]; tooLarge: boolean } {
    const out = this.framer.push(chunk);
    const lines: string[] = [];
    for (const bytes of out.lines) if (bytes.length > 0) lines.push(bytes.toString('utf8'));
    return { lines, tooLarge: out.tooLarge };
  }
}
