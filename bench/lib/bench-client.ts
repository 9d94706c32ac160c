// One benchmark connection: a TCP socket framed with the SDK's LineSplitter, or a
// WebSocket on /ws (one JSON object per text message, `ws` 8); requests built with
// the SDK's genMessage, and the login steps of docs/protocol.md 5.
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { WebSocket } from 'ws';
import {
  genMessage,
  LineSplitter,
  parseServerFrame,
  type ServerFrame,
} from '../../src/client/index.ts';

/** How a bench client speaks to the server: NDJSON over TCP, or WebSocket text messages on /ws. */
export type BenchTransport = 'tcp' | 'ws';

/** Where a bench client connects: the server's TCP port, or its HTTP port (for ws). */
export interface Endpoint {
  transport: BenchTransport;
  port: number;
}

/** Tag prefix of heartbeat pings (their replies are not login answers). */
export const PING_TAG = 'p';

/** Longest line accepted from the server. */
const MAX_LINE_BYTES = 1 << 20;
const CONNECT_TIMEOUT_MS = 30_000;
/** How long one login step may wait for its answer. */
export const STEP_TIMEOUT_MS = 60_000;

/** The current time in µs on CLOCK_MONOTONIC, the same clock in every thread and process. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A login step that ended with an answer other than success (or server_busy when retried). */
export class LoginError extends Error {
  constructor(readonly code: string) {
    super(`login failed: ${code}`);
  }
}

/** A connection of the load generator. */
export class BenchClient {
  private readonly splitter = new LineSplitter(MAX_LINE_BYTES);
  /** Lines that came before onLine was set, parsed, with their text for goLive. */
  private readonly queued: Array<{ line: string; frame: ServerFrame }> = [];
  private waiter: ((frame: ServerFrame | undefined) => void) | undefined;
  private seq = 0;
  /** The hello token before set_user, the session token after. */
  token = '';
  /** Ping when nothing was sent for this long (the hello's heartbeat_interval_s). */
  heartbeatMs = 5_000;
  /** performance.now() of the last request sent. */
  lastSentMs = 0;
  /** message_user requests awaiting their reply. */
  outstanding = 0;
  /** The username this client sends its direct messages to. */
  partner = '';
  /** `"from":"<own username>"`, set at login: the sending session never gets its own message. */
  ownFrom = '';
  /** Per conversation received in this session: the highest seq received and the highest acked. */
  readonly cursors = new Map<string, { received: number; acked: number }>();
  /** True once this session saw the end of its replay (synced, then sync until more is false). */
  caughtUp = false;
  /** True once the socket is gone. */
  closed = false;
  /** Set after login: receives every line raw. Before that, lines are parsed and queued for next(). */
  onLine: ((line: string) => void) | undefined;
  /** Called once when the socket closes. */
  onClose: (() => void) | undefined;
  /** Called when a ping of this client is answered (after login). */
  onPong: (() => void) | undefined;

  /** True while this turn's sends are corked (WebSocket input: uncorked on the next tick). */
  private corkedForTurn = false;
  private readonly uncorkTurn = () => {
    this.corkedForTurn = false;
    this.socket.uncork();
  };

  /**
   * `socket` is the TCP connection itself or the one under `ws` (its writes are
   * corked around bursts of sends either way).
   */
  private constructor(
    private readonly socket: net.Socket,
    private readonly ws: WebSocket | undefined,
  ) {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const onClosed = () => {
      this.closed = true;
      this.waiter?.(undefined);
      this.onClose?.();
    };
    if (ws) {
      ws.on('message', (data: Buffer) => this.onMessage(data));
      ws.on('error', () => {});
      ws.on('close', onClosed);
    } else {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('close', onClosed);
    }
  }

  /** Connects to the server at `endpoint` on 127.0.0.1 (a TCP port, or ws://…:port/ws). */
  static connectTo(endpoint: Endpoint): Promise<BenchClient> {
    return endpoint.transport === 'ws'
      ? BenchClient.connectWs(endpoint.port)
      : BenchClient.connect(endpoint.port);
  }

  /** Opens a WebSocket to ws://127.0.0.1:`port`/ws (no Origin header: not a browser). */
  static connectWs(port: number): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
        perMessageDeflate: false,
        // The server's output is its own valid UTF-8: checking it would only cost the generator.
        skipUTF8Validation: true,
        maxPayload: MAX_LINE_BYTES,
        handshakeTimeout: CONNECT_TIMEOUT_MS,
      });
      let socket: net.Socket | undefined;
      ws.once('upgrade', (res: IncomingMessage) => {
        socket = res.socket as net.Socket;
      });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        if (socket) resolve(new BenchClient(socket, ws));
        else reject(new Error('WebSocket opened without an upgrade response'));
      });
    });
  }

  /** Connects to 127.0.0.1:`port` over TCP. */
  static connect(port: number): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new BenchClient(socket, undefined));
      });
    });
  }

  /** Sends one request with the current token; the tag is `tagPrefix` + a counter. */
  send(action: string, data: unknown[], tagPrefix: string): void {
    if (this.closed) return;
    this.seq += 1;
    const request = genMessage(action, data, `${tagPrefix}${this.seq}`, this.token);
    if (this.ws) this.ws.send(JSON.stringify(request));
    else this.socket.write(`${JSON.stringify(request)}\n`);
    this.lastSentMs = performance.now();
  }

  /** The next frame (login phase only); rejects when the socket closes or nothing comes in time. */
  next(timeoutMs = STEP_TIMEOUT_MS): Promise<ServerFrame> {
    const item = this.queued.shift();
    if (item) return Promise.resolve(item.frame);
    if (this.closed) return Promise.reject(new LoginError('connection_closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new LoginError('timeout'));
      }, timeoutMs);
      this.waiter = (f) => {
        clearTimeout(timer);
        this.waiter = undefined;
        if (f) resolve(f);
        else reject(new LoginError('connection_closed'));
      };
    });
  }

  /**
   * Hands every later line to `onLine`, first the lines that arrived since the
   * last next() (e.g. a replay right behind the set_user reply).
   */
  goLive(onLine: (line: string) => void): void {
    this.onLine = onLine;
    for (const item of this.queued.splice(0)) onLine(item.line);
  }

  /** Holds back the socket writes of the sends that follow, until uncork(): one write for a burst. */
  cork(): void {
    this.socket.cork();
  }

  /** Writes what was sent since cork(). */
  uncork(): void {
    this.socket.uncork();
  }

  /** Drops the connection. */
  close(): void {
    if (this.ws) this.ws.terminate();
    else this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const { lines } = this.splitter.push(chunk);
    // Corked: requests sent while handling this chunk's lines leave in one write.
    this.socket.cork();
    for (const line of lines) this.onText(line);
    this.socket.uncork();
  }

  /**
   * One WebSocket message. ws hands over the messages of one socket read one by one,
   * synchronously: the first corks and the next tick uncorks, so requests sent while
   * handling them leave in one write, as onData does for TCP.
   */
  private onMessage(data: Buffer): void {
    if (!this.corkedForTurn) {
      this.corkedForTurn = true;
      this.socket.cork();
      process.nextTick(this.uncorkTurn);
    }
    this.onText(data.toString('utf8'));
  }

  private onText(line: string): void {
    if (this.onLine) this.onLine(line);
    else if (this.waiter) this.waiter(parseServerFrame(line));
    else this.queued.push({ line, frame: parseServerFrame(line) });
  }
}

/** Reads the hello event: keeps its token and heartbeat interval. */
export async function readHello(client: BenchClient): Promise<void> {
  const frame = await client.next();
  if (frame.kind === 'reply' && !frame.reply.ok) throw new LoginError(frame.reply.error.code);
  if (frame.kind !== 'event' || frame.event.event !== 'hello') throw new LoginError('no_hello');
  const data = frame.event.data as { token?: unknown; heartbeat_interval_s?: unknown };
  if (typeof data.token !== 'string') throw new LoginError('no_hello');
  client.token = data.token;
  if (typeof data.heartbeat_interval_s === 'number') {
    client.heartbeatMs = data.heartbeat_interval_s * 1000;
  }
}

/** The next reply, skipping events; its error code, or 'ok' and its data. */
async function nextReply(client: BenchClient): Promise<{ code: string; data: unknown }> {
  for (;;) {
    const frame = await client.next();
    if (frame.kind === 'event') continue;
    if (frame.kind === 'reply' && frame.reply.tag?.startsWith(PING_TAG)) continue;
    if (frame.kind === 'invalid') return { code: 'invalid_frame', data: undefined };
    if (frame.reply.ok) return { code: 'ok', data: frame.reply.data };
    return { code: frame.reply.error.code, data: undefined };
  }
}

/**
 * Logs in with `veus` then (unless `andSetUser` is false) `set_user` on a
 * connection that read its hello. server_busy on veus is retried after a short
 * pause when `retryBusy`, else answered 'busy'. Any other failure throws a
 * LoginError with its code.
 */
export async function authenticate(
  client: BenchClient,
  username: string,
  password: string,
  retryBusy: boolean,
  andSetUser = true,
): Promise<'ok' | 'busy'> {
  for (;;) {
    client.send('veus', [username, password], 'v');
    const verified = await nextReply(client);
    if (verified.code === 'ok') break;
    if (verified.code !== 'server_busy') throw new LoginError(verified.code);
    if (!retryBusy) return 'busy';
    await sleep(20 + Math.random() * 80);
  }
  if (andSetUser) await finishLogin(client);
  return 'ok';
}

/** Sends `set_user` after a successful veus and keeps the session token. */
export async function finishLogin(client: BenchClient): Promise<void> {
  client.send('set_user', [], 's');
  const session = await nextReply(client);
  const token = (session.data as { token?: unknown } | undefined)?.token;
  if (session.code !== 'ok') throw new LoginError(`set_user:${session.code}`);
  if (typeof token !== 'string') throw new LoginError('set_user:no_token');
  client.token = token;
}
