// The TCP transport: a net.Server (or a tls.Server, TLS 1.2+) whose sockets become Connections.
import net from 'node:net';
import tls from 'node:tls';
import { EndOfTurn } from '../../util/end-of-turn.ts';
import type { Transport, TransportSink } from './transport.ts';

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/** Transports with output waiting; flushed together at the end of the turn. */
const endOfTurn = new EndOfTurn<TcpTransport>((t) => t.flush());

/**
 * A net.Socket behind the Transport interface. Frames written during one
 * event-loop turn leave in one socket write (one syscall, not one per frame)
 * at the end of that turn, after every request that arrived in it was answered.
 */
export class TcpTransport implements Transport {
  readonly kind = 'tcp';
  readonly remoteAddress: string;
  private pending = '';

  constructor(private readonly socket: net.Socket) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    socket.setNoDelay(true);
  }

  write(frame: string): void {
    if (!this.socket.writable) return;
    if (this.pending === '') endOfTurn.mark(this);
    this.pending += frame;
  }

  /** Hands the frames gathered this turn to the socket. */
  flush(): void {
    if (this.pending === '') return;
    const out = this.pending;
    this.pending = '';
    if (this.socket.writable) this.socket.write(out);
  }

  bufferedBytes(): number {
    return this.socket.writableLength + this.pending.length;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.flush();
    endOfTurn.unmark(this);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}

/** What the TCP listener hands each accepted socket to. */
export interface TcpHandler {
  /** Takes a new transport; returns where its data and close go. */
  accept(transport: Transport): TransportSink;
}

/** The sink of an accepted socket, on the socket itself, so its listeners can be shared. */
const SINK = Symbol('sink');
type SinkedSocket = net.Socket & { [SINK]: TransportSink };

// One listener of each kind for every socket (with `this` the socket): a closure per
// socket and event would cost about 70 bytes each.
function onSocketData(this: SinkedSocket, chunk: Buffer): void {
  this[SINK].onData(chunk);
}
function onSocketError(this: net.Socket): void {
  this.destroy();
}
function onSocketClose(this: SinkedSocket): void {
  this[SINK].onTransportClosed();
}

/** Certificate and key (PEM) to serve TLS with, and the limits on handshakes. */
export interface TlsOptions {
  cert: Buffer;
  key: Buffer;
  handshakeTimeoutMs: number;
  /** Sockets open at once, handshaking or not: the listener refuses beyond. */
  maxSockets: number;
}

/** Starts listening (TLS when `secure` is given); resolves with the server once bound. */
export function listenTcp(
  handler: TcpHandler,
  host: string,
  port: number,
  secure?: TlsOptions,
): Promise<net.Server> {
  const serve = (socket: net.Socket) => {
    (socket as SinkedSocket)[SINK] = handler.accept(new TcpTransport(socket));
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  };
  let server: net.Server;
  if (secure) {
    server = tls.createServer(
      {
        cert: secure.cert,
        key: secure.key,
        minVersion: 'TLSv1.2',
        handshakeTimeout: secure.handshakeTimeoutMs,
        noDelay: true,
      },
      serve,
    );
    // Sockets still handshaking are not Connections yet, so the server's own caps
    // cannot see them: the listener bounds them instead.
    server.maxConnections = secure.maxSockets;
    server.on('tlsClientError', (_err, socket) => socket.destroy());
  } else {
    server = net.createServer({ noDelay: true }, serve);
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
