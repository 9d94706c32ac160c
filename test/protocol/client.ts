import net from 'node:net';
import tls from 'node:tls';
import { expectOk } from './util.ts';

// One server frame (reply or event); free-form JSON, so fields are loosely typed.
export interface Frame {
  tag?: string | null;
  ok?: boolean;
  event?: string;
  // biome-ignore lint/suspicious/noExplicitAny: frames are arbitrary JSON checked by the tests
  data?: any;
  error?: { code: string; message: string; retry_after_ms?: number };
  /** set when a line from the server was not valid JSON */
  unparsed?: string;
}

interface Waiter {
  what: string;
  match: (f: Frame) => boolean;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

// Default time any single wait may take before the test fails.
export const WAIT_MS = 5_000;

const clients = new Set<TestClient>();

// Destroys every TestClient's socket (call in afterEach/afterAll).
export function closeAllClients(): void {
  for (const c of clients) c.destroy();
  clients.clear();
}

// An NDJSON protocol client that queues every frame and never waits without a timeout.
export class TestClient {
  /** every frame received, in order */
  readonly received: Frame[] = [];
  /** every line received, exactly as sent (for byte comparisons) */
  readonly lines: string[] = [];
  /** true once the socket has closed */
  isClosed = false;
  /** resolves when the socket closes */
  readonly closed: Promise<void>;
  /** socket errors seen (e.g. EPIPE after the server closed) */
  readonly errors: Error[] = [];
  helloToken?: string;
  token?: string;
  socket?: net.Socket;
  private queue: Frame[] = [];
  private waiters: Waiter[] = [];
  private pending: Buffer[] = [];
  private tagSeq = 0;
  private markClosed: () => void = () => {};

  constructor() {
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    clients.add(this);
  }

  // Opens the TCP connection (TLS when `secure` is given) without reading anything.
  open(port: number, timeoutMs = WAIT_MS, secure?: tls.ConnectionOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = secure
        ? tls.connect({ host: '127.0.0.1', port, ...secure })
        : net.connect({ host: '127.0.0.1', port });
      this.socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.on('error', (err) => {
        this.errors.push(err);
        clearTimeout(timer);
        reject(err);
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('close', () => this.onClose());
    });
  }

  // Connects and resolves with the first frame, which must be the hello event.
  async connect(port: number, timeoutMs = WAIT_MS, secure?: tls.ConnectionOptions): Promise<Frame> {
    await this.open(port, timeoutMs, secure);
    const first = await this.nextFrame(timeoutMs);
    if (first.event !== 'hello') {
      throw new Error(`first frame is not hello: ${JSON.stringify(first).slice(0, 300)}`);
    }
    this.helloToken = first.data?.token;
    return first;
  }

  // Writes raw bytes; returns false if the socket is already gone.
  sendRaw(data: string | Buffer): boolean {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return false;
    s.write(data);
    return true;
  }

  // Sends one frame of text as this transport frames it (here: a line).
  sendFrame(text: string): boolean {
    return this.sendRaw(`${text}\n`);
  }

  // Sends several frames at once (here: in one socket write).
  sendFrames(texts: string[]): boolean {
    return this.sendRaw(`${texts.join('\n')}\n`);
  }

  // Sends one JSON object as a line.
  send(obj: unknown): boolean {
    return this.sendRaw(`${JSON.stringify(obj)}\n`);
  }

  // A fresh tag unique on this connection.
  newTag(): string {
    this.tagSeq += 1;
    return `t${this.tagSeq}`;
  }

  // Sends a request (token omitted when undefined) and resolves with the reply carrying its tag.
  request(action: string, data: unknown[] = [], token?: string, timeoutMs = WAIT_MS) {
    const tag = this.newTag();
    const msg: Record<string, unknown> = { action, tag, data };
    if (token !== undefined) msg.token = token;
    this.send(msg);
    return this.reply(tag, timeoutMs, action);
  }

  // Like request() with the session token (or the hello token before login).
  call(action: string, data: unknown[] = [], timeoutMs = WAIT_MS): Promise<Frame> {
    return this.request(action, data, this.token ?? this.helloToken, timeoutMs);
  }

  // Waits for the reply with this tag.
  reply(tag: string | null, timeoutMs = WAIT_MS, what = 'request'): Promise<Frame> {
    return this.waitFor(
      `reply to ${what} (tag ${JSON.stringify(tag)})`,
      (f) => 'ok' in f && f.tag === tag,
      timeoutMs,
    );
  }

  // Waits for the next reply of any tag.
  nextReply(timeoutMs = WAIT_MS): Promise<Frame> {
    return this.waitFor('any reply', (f) => 'ok' in f, timeoutMs);
  }

  // Waits for the next event named `name` (other frames stay queued).
  nextEvent(name: string, timeoutMs = WAIT_MS): Promise<Frame> {
    return this.waitFor(`event ${name}`, (f) => f.event === name, timeoutMs);
  }

  // Waits for the next frame of any kind.
  nextFrame(timeoutMs = WAIT_MS): Promise<Frame> {
    return this.waitFor('any frame', () => true, timeoutMs);
  }

  // Resolves when the server has closed the socket, or fails after timeoutMs.
  waitClosed(timeoutMs = WAIT_MS): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`socket still open after ${timeoutMs} ms; frames so far: ${this.summary()}`),
          ),
        timeoutMs,
      );
      this.closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // veus + set_user with the hello token; stores and returns the session token.
  async login(username: string, password: string): Promise<string> {
    expectOk(await this.request('veus', [username, password], this.helloToken), `veus ${username}`);
    return this.setUser(`set_user ${username}`);
  }

  // create_user + set_user with the hello token; stores and returns the session token.
  async register(username: string, password: string, email: string, phone?: string) {
    const data =
      phone === undefined ? [username, password, email] : [username, password, email, phone];
    expectOk(await this.request('create_user', data, this.helloToken), `create_user ${username}`);
    return this.setUser(`set_user ${username}`);
  }

  private async setUser(what: string): Promise<string> {
    const r = expectOk(await this.request('set_user', [], this.helloToken), what);
    this.token = r.data?.token;
    if (typeof this.token !== 'string')
      throw new Error(`${what}: no token in ${JSON.stringify(r)}`);
    return this.token;
  }

  // Stops reading from the socket (the kernel buffers fill, then the server's queue).
  pause(): void {
    this.socket?.pause();
  }

  // Resumes reading.
  resume(): void {
    this.socket?.resume();
  }

  // Closes our side gracefully.
  end(): void {
    this.socket?.end();
  }

  // Destroys the socket at once.
  destroy(): void {
    this.socket?.destroy();
  }

  // The last frames received, for failure messages.
  summary(max = 10): string {
    const last = this.received.slice(-max).map((f) => JSON.stringify(f).slice(0, 300));
    return `${this.received.length} frame(s)${this.isClosed ? ', socket closed' : ''}: [${last.join(', ')}]`;
  }

  private waitFor(what: string, match: (f: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    const i = this.queue.findIndex(match);
    if (i >= 0) {
      const [f] = this.queue.splice(i, 1);
      return Promise.resolve(f as Frame);
    }
    if (this.isClosed) {
      return Promise.reject(
        new Error(`socket closed while waiting for ${what}; ${this.summary()}`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        what,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.summary()}`),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.pending.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.pending).toString('utf8').replace(/\r$/, '');
      this.pending = [];
      start = nl + 1;
      if (line.length > 0) this.onLine(line);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  protected onLine(line: string): void {
    this.lines.push(line);
    let frame: Frame;
    try {
      frame = JSON.parse(line) as Frame;
    } catch {
      frame = { unparsed: line };
    }
    this.received.push(frame);
    const w = this.waiters.find((x) => x.match(frame));
    if (!w) {
      this.queue.push(frame);
      return;
    }
    this.waiters = this.waiters.filter((x) => x !== w);
    clearTimeout(w.timer);
    w.resolve(frame);
  }

  protected onClose(): void {
    this.isClosed = true;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`socket closed while waiting for ${w.what}; ${this.summary()}`));
    }
    this.waiters = [];
    this.markClosed();
  }
}

/**
 * Where a test client connects: a TCP port, or a WebSocket endpoint. A test
 * suite written against an Endpoint runs unchanged over either transport.
 */
export type Endpoint = number | { readonly ws: number; readonly origin?: string };

/** Makes the client kind an endpoint needs; ws.ts registers the WebSocket one. */
export const clientFactories: { ws?: (e: { ws: number; origin?: string }) => TestClient } = {};

/** A new, unconnected client for `endpoint`. */
export function newClient(endpoint: Endpoint): TestClient {
  if (typeof endpoint === 'number') return new TestClient();
  const make = clientFactories.ws;
  if (!make) throw new Error('import ./ws-client.ts to use WebSocket endpoints');
  return make(endpoint);
}

/** The port a client of `endpoint` opens. */
export function portOf(endpoint: Endpoint): number {
  return typeof endpoint === 'number' ? endpoint : endpoint.ws;
}

// A new client connected to `endpoint` (hello already received).
export async function connectClient(endpoint: Endpoint): Promise<TestClient> {
  const c = newClient(endpoint);
  await c.connect(portOf(endpoint));
  return c;
}

// A new client logged in as `username`; retries for up to 2 s while the server still holds
// the user's previous session (a socket the test just closed).
export async function loginClient(port: Endpoint, username: string, password: string) {
  const end = Date.now() + 2000;
  for (;;) {
    const c = await connectClient(port);
    expectOk(await c.request('veus', [username, password], c.helloToken), `veus ${username}`);
    const s = await c.request('set_user', [], c.helloToken);
    if (s.ok === true && typeof s.data?.token === 'string') {
      c.token = s.data.token;
      return c;
    }
    c.destroy();
    if (s.error?.code !== 'already_logged_in' || Date.now() > end) {
      throw new Error(`set_user ${username} failed: ${JSON.stringify(s)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// A new client with a freshly registered account.
export async function registerClient(
  port: Endpoint,
  username: string,
  password: string,
  email: string,
): Promise<TestClient> {
  const c = await connectClient(port);
  await c.register(username, password, email);
  return c;
}
