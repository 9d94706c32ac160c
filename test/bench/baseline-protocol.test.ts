// The baseline is a yardstick with every hot-path check on: these tests speak raw
// frames to the real baseline process and prove that it refuses what super-server
// refuses (wrong or stolen tokens, bad inputs, bad frames, floods) and that it
// numbers and delivers messages as the protocol says.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBaselineAccounts } from '../../bench/lib/baseline-accounts.ts';
import { BENCH_PASSWORD, makeRunDir, type RunDir, seedUsers } from '../../bench/lib/seed.ts';
import { type BenchServer, startServer } from '../../bench/lib/server.ts';

type Frame = Record<string, unknown> & {
  tag?: string | null;
  ok?: boolean;
  event?: string;
  data?: unknown;
  error?: { code: string; message: string; retry_after_ms?: number };
};

/** A raw NDJSON connection: write lines, read frames one at a time. */
class RawClient {
  private buffer = '';
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | undefined;
  closed = false;
  token = '';

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('utf8');
      let nl = this.buffer.indexOf('\n');
      while (nl >= 0) {
        this.frames.push(JSON.parse(this.buffer.slice(0, nl)) as Frame);
        this.buffer = this.buffer.slice(nl + 1);
        nl = this.buffer.indexOf('\n');
      }
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawClient(socket);
    const hello = await client.next();
    expect(hello.event).toBe('hello');
    client.token = (hello.data as { token: string }).token;
    return client;
  }

  /** The next frame; rejects after 10 s or when the socket closed with nothing left. */
  async next(): Promise<Frame> {
    const deadline = Date.now() + 10_000;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('no frame within 10 s');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.shift() as Frame;
  }

  raw(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** Sends a request with `token` (the connection's own by default; none for null), reads a frame. */
  async call(action: string, data: unknown[], token: string | null = this.token) {
    const request = token === null ? { action, data, tag: 't' } : { action, data, tag: 't', token };
    this.raw(JSON.stringify(request));
    return this.next();
  }

  /** veus then set_user; keeps the session token. */
  async login(username: string, password = BENCH_PASSWORD): Promise<void> {
    expect((await this.call('veus', [username, password])).ok).toBe(true);
    const session = await this.call('set_user', []);
    expect(session.ok).toBe(true);
    this.token = (session.data as { token: string }).token;
    expect((await this.next()).event).toBe('synced');
  }

  close(): void {
    this.socket.destroy();
  }
}

let dir: RunDir;
let server: BenchServer;
const opened: RawClient[] = [];

async function connect(): Promise<RawClient> {
  const client = await RawClient.connect(server.port);
  opened.push(client);
  return client;
}

beforeAll(async () => {
  dir = makeRunDir();
  await seedUsers(dir.dataDir, 4, false);
  // chat: 8 sends per minute per connection, so the third test reaches the limit.
  const configPath = join(dir.root, 'config.json');
  const limited = { points: 8, duration_s: 60, burst_points: 0, burst_duration_s: 1 };
  writeFileSync(configPath, JSON.stringify({ rate_limits: { chat: limited } }));
  const accountsPath = await writeBaselineAccounts(dir.root, dir.dataDir);
  server = await startServer({
    dataDir: dir.dataDir,
    configPath,
    target: { kind: 'baseline' },
    accountsPath,
  });
}, 30_000);

afterAll(async () => {
  for (const c of opened) c.close();
  await server?.stop();
  dir?.remove();
});

describe('baseline server', () => {
  it('delivers a direct message with its id and seq, and answers as super-server', async () => {
    const alice = await connect();
    const bob = await connect();
    await alice.login('u00001');
    await bob.login('u00002');
    const reply = await alice.call('message_user', ['u00002', 'hello bob']);
    expect(reply).toEqual({
      tag: 't',
      ok: true,
      data: { id: 'm_2_1', conv: 'dm:00001:00002', seq: 1, delivered: true },
    });
    const event = await bob.next();
    expect(event.event).toBe('message');
    expect(event.data).toMatchObject({ id: 'm_2_1', conv: 'dm:00001:00002', seq: 1 });
    expect(event.data).toMatchObject({ from: 'u00001', to: 'u00002', text: 'hello bob' });
    expect((await alice.call('msg', ['u00002', 'again'])).data).toMatchObject({ seq: 2 });
    expect(((await bob.next()).data as { seq: number }).seq).toBe(2);
    const acked = await bob.call('ack', ['dm:00001:00002', 2]);
    expect(acked.data).toEqual({ conv: 'dm:00001:00002', seq: 2 });
    const tooFar = await bob.call('ack', ['dm:00001:00002', 3]);
    expect(tooFar.error?.code).toBe('invalid_input');
    // #global holds every account: bob gets alice's group message, and online counts him.
    const group = await alice.call('message_group', ['#global', 'hi all']);
    expect(group.data).toMatchObject({ conv: '#global', seq: 1, online: 1 });
    expect((await bob.next()).data).toMatchObject({ conv: '#global', to: '#global', seq: 1 });
  });

  it('refuses a wrong, missing, stolen or hello token', async () => {
    const carol = await connect();
    const dave = await connect();
    await carol.login('u00003');
    // The same length with its last character changed: a constant-time compare still says no.
    const last = carol.token.endsWith('A') ? 'B' : 'A';
    const wrong = await carol.call(
      'message_user',
      ['u00001', 'x'],
      carol.token.slice(0, -1) + last,
    );
    expect(wrong.error?.code).toBe('invalid_token');
    expect((await carol.call('message_user', ['u00001', 'x'], null)).error?.code).toBe(
      'invalid_token',
    );
    // carol's session token on another connection is worth nothing.
    const stolen = await dave.call('message_user', ['u00001', 'x'], carol.token);
    expect(stolen.error?.code).toBe('invalid_token');
    // dave's own hello token is not a session.
    expect((await dave.call('message_user', ['u00001', 'x'])).error?.code).toBe('not_logged_in');
    const setUser = await dave.call('set_user', []);
    expect(setUser.error?.code).toBe('not_logged_in');
    const wrongPassword = await dave.call('veus', ['u00004', 'not-the-password']);
    expect(wrongPassword.error?.code).toBe('invalid_credentials');
  });

  it('checks every input and the envelope, and keeps the rate limit', async () => {
    const erin = await connect();
    await erin.login('u00004');
    const code = async (action: string, data: unknown[]) =>
      (await erin.call(action, data)).error?.code;
    expect(await code('message_user', ['u00001', ''])).toBe('invalid_input');
    expect(await code('message_user', ['u00001', 'x'.repeat(4_001)])).toBe('invalid_input');
    expect(await code('message_user', ['no spaces allowed', 'x'])).toBe('invalid_input');
    expect(await code('message_user', ['u00001'])).toBe('invalid_input');
    expect(await code('message_user', ['u00001', 'x', 'bad client id!'])).toBe('invalid_input');
    expect(await code('message_user', ['nobody', 'x'])).toBe('not_found');
    expect(await code('message_group', ['#nogroup', 'x'])).toBe('not_found');
    expect(await code('ack', ['#global', -1])).toBe('invalid_input');
    expect(await code('ack', ['dm:00002:00003', 0])).toBe('not_found');
    expect(await code('nope', [])).toBe('unknown_action');
    erin.raw(JSON.stringify({ action: 'ping', data: {}, tag: 't' }));
    expect((await erin.next()).error?.code).toBe('bad_request');
    erin.raw('{"action":"ping","data":[],"tag":"t","__proto__":{"x":1}}');
    expect((await erin.next()).error?.code).toBe('bad_request');
    erin.raw('not json');
    expect((await erin.next()).error?.code).toBe('bad_json');
    // The rate limit comes before the inputs: the 7 refused sends above counted, so the
    // 8th send of this minute is the last one allowed and the 9th is refused.
    expect((await erin.call('message_user', ['u00001', 'ok'])).ok).toBe(true);
    const limited = await erin.call('message_user', ['u00001', 'x']);
    expect(limited.error?.code).toBe('rate_limited');
    expect(limited.error?.retry_after_ms).toBeGreaterThan(0);
  });

  it('closes a connection after 10 protocol errors, and one with an oversized frame', async () => {
    const noisy = await connect();
    for (let i = 0; i < 10; i++) noisy.raw('{');
    for (let i = 0; i < 10; i++) expect((await noisy.next()).error?.code).toBe('bad_json');
    expect(await noisy.next()).toMatchObject({
      event: 'disconnect',
      data: { reason: 'too_many_errors' },
    });
    const big = await connect();
    big.raw(JSON.stringify({ action: 'ping', data: ['x'.repeat(5_000)], tag: 't' }));
    expect((await big.next()).error?.code).toBe('frame_too_large');
    await expect(big.next()).rejects.toThrow(/closed/);
  });
});
