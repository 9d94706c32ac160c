// Raw sockets for the adversarial suite (lines kept as bytes) and a seeded PRNG.
import net from 'node:net';
import type { Frame } from '../protocol/client.ts';

/** A seeded PRNG (mulberry32): the same seed gives the same splits on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const rawSockets = new Set<RawLines>();

/** Destroys every RawLines socket still open. */
export function destroyAllRaw(): void {
  for (const r of rawSockets) r.destroy();
  rawSockets.clear();
}

/** A socket that keeps the server's lines as raw bytes (for byte-exact comparisons and floods). */
export class RawLines {
  readonly lines: Buffer[] = [];
  isClosed = false;
  readonly socket: net.Socket;
  readonly connected: Promise<void>;
  readonly closed: Promise<void>;
  private pending: Buffer[] = [];
  private wake: (() => void) | undefined;

  constructor(port: number) {
    rawSockets.add(this);
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    this.socket.on('error', () => {});
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', () => {
        this.isClosed = true;
        rawSockets.delete(this);
        this.wake?.();
        resolve();
      });
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  /** The `n`-th line (0-based) once it has arrived; undefined if the socket closed first. */
  async line(n: number, timeoutMs = 5_000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length <= n) {
      if (this.isClosed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`line ${n} not received within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.lines[n];
  }

  /** The `n`-th line parsed as JSON. */
  async frame(n: number, timeoutMs = 5_000): Promise<Frame | undefined> {
    const line = await this.line(n, timeoutMs);
    return line === undefined ? undefined : (JSON.parse(line.toString('utf8')) as Frame);
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.pending.push(chunk.subarray(start, nl));
      this.lines.push(Buffer.concat(this.pending));
      this.pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(Buffer.from(chunk.subarray(start)));
    this.wake?.();
  }
}
