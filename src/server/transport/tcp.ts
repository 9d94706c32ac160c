// The TCP transport: a net.Server whose sockets become Connections.
import net from 'node:net';
import type { Transport } from './transport.ts';

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/** A net.Socket behind the Transport interface. */
export class TcpTransport implements Transport {
  readonly remoteAddress: string;

  constructor(private readonly socket: net.Socket) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    socket.setNoDelay(true);
  }

  write(frame: string): void {
    if (this.socket.writable) this.socket.write(frame);
  }

  bufferedBytes(): number {
    return this.socket.writableLength;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}

/** What the TCP listener hands each accepted socket to. */
export interface TcpHandler {
  /** Takes a new transport; returns the callbacks for its data and close. */
  accept(transport: Transport): { onData(chunk: Buffer): void; onClose(): void };
}

/** Starts listening; resolves with the net.Server once bound. */
export function listenTcp(handler: TcpHandler, host: string, port: number): Promise<net.Server> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    const conn = handler.accept(new TcpTransport(socket));
    socket.on('data', (chunk: Buffer) => conn.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => conn.onClose());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
