// Shared helpers of the adversarial suite: a real server with two logged-in
// control users beside the abuser, memory readings of the server process,
// raw sockets, and the end-of-file survival check.
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Frame, TestClient } from '../protocol/client.ts';
import {
  type SeedUser,
  type ServerHandle,
  type ServerOptions,
  startServer,
} from '../protocol/harness.ts';
import { emailFor, PASSWORD, pollUntil, sleep } from '../protocol/util.ts';

/** The two control accounts every arena seeds and keeps logged in. */
export const CONTROL = ['ctl_alice', 'ctl_bob'] as const;

/** Growth of the server's RSS every test must stay under (generous on purpose). */
export const MEMORY_LIMIT_KIB = 100 * 1024;

/**
 * The limit for attacks that make the server hash passwords: argon2id takes
 * 19 MiB per running hash by design, and limits.hash_concurrency (4) run at
 * once, so ~76 MiB of working memory comes on top of whatever the attack costs.
 */
export const HASHING_MEMORY_LIMIT_KIB = 150 * 1024;

/** A server under attack with two control users logged in beside the abuser. */
export interface Arena {
  server: ServerHandle;
  port: number;
  pid: number;
  alice: TestClient;
  bob: TestClient;
  stop(): Promise<void>;
}

const KEEPALIVE_MS = 2_000;

/**
 * A control user's client. It survives the protocol suite's closeAllClients()
 * (which test files call after each test to drop the abusers' sockets) and is
 * closed only by Arena.stop().
 */
class ControlClient extends TestClient {
  keepOpen = true;

  override destroy(): void {
    if (!this.keepOpen) super.destroy();
  }
}

async function loginControl(port: number, username: string, register: boolean) {
  const c = new ControlClient();
  await c.connect(port);
  if (register) await c.register(username, PASSWORD, emailFor(username));
  else await c.login(username, PASSWORD);
  return c;
}

/** Options of an arena: the server's, plus how the control users come to exist. */
export interface ArenaOptions extends ServerOptions {
  /**
   * Create the control users with `user add` before start (slow: one CLI process
   * each) instead of registering them over the wire; needed when the config
   * limits registrations from loopback.
   */
  seedControls?: boolean;
}

/** Starts a server with the two control users logged in (plus `opts.users` seeded). */
export async function startArena(opts: ArenaOptions = {}): Promise<Arena> {
  const controls: SeedUser[] = opts.seedControls
    ? CONTROL.map((username) => ({ username, email: emailFor(username), password: PASSWORD }))
    : [];
  const server = await startServer({ ...opts, users: [...controls, ...(opts.users ?? [])] });
  const pid = server.proc.pid;
  if (pid === undefined) throw new Error('server has no pid');
  const alice = await loginControl(server.port, CONTROL[0], !opts.seedControls);
  const bob = await loginControl(server.port, CONTROL[1], !opts.seedControls);
  // Keep the control sessions inside heartbeat_timeout_s however long a test runs.
  const keepalive = setInterval(() => {
    for (const c of [alice, bob]) if (!c.isClosed) c.call('ping').catch(() => {});
  }, KEEPALIVE_MS);
  keepalive.unref();
  return {
    server,
    port: server.port,
    pid,
    alice,
    bob,
    async stop() {
      clearInterval(keepalive);
      for (const c of [alice, bob]) {
        c.keepOpen = false;
        c.destroy();
      }
      await server.stop();
    },
  };
}

/** Starts an arena for the enclosing describe block; returns a getter for it. */
export function useArena(opts: ArenaOptions = {}): () => Arena {
  let arena: Arena | undefined;
  beforeAll(async () => {
    arena = await startArena(opts);
  });
  afterAll(async () => {
    await arena?.stop();
  });
  return () => {
    if (!arena) throw new Error('arena not started');
    return arena;
  };
}

let controlSeq = 0;

/** Waits until `client` has received a frame matching `match`; returns it. */
export async function waitReceived(
  client: TestClient,
  match: (f: Frame) => boolean,
  timeoutMs = 5_000,
): Promise<Frame> {
  const found = await pollUntil(async () => client.received.some(match), timeoutMs, 10);
  const frame = client.received.find(match);
  if (!found || !frame) throw new Error(`frame not received; ${client.summary()}`);
  return frame;
}

/** Both control users still exchange direct messages, and the server process is alive. */
export async function assertControlStillWorks(arena: Arena): Promise<void> {
  expect(arena.server.proc.exitCode, 'server exit code').toBeNull();
  expect(arena.server.proc.signalCode, 'server signal').toBeNull();
  const pairs = [
    [arena.alice, arena.bob, CONTROL[0], CONTROL[1]],
    [arena.bob, arena.alice, CONTROL[1], CONTROL[0]],
  ] as const;
  for (const [from, to, fromName, toName] of pairs) {
    controlSeq += 1;
    const text = `control check ${controlSeq} ✓`;
    const r = await from.call('msg', [toName, text]);
    expect(r, `control message ${fromName} → ${toName}`).toMatchObject({
      ok: true,
      data: { delivered: true },
    });
    const ev = await waitReceived(to, (f) => f.event === 'message' && f.data?.id === r.data.id);
    expect(ev.data).toMatchObject({ from: fromName, to: toName, text });
  }
}

/** The names and total `who` reports to a control client. */
export async function onlineUsers(client: TestClient): Promise<{ names: string[]; total: number }> {
  const r = await client.call('who');
  expect(r.ok, `who: ${JSON.stringify(r)}`).toBe(true);
  return {
    names: (r.data.users as Array<{ username: string }>).map((u) => u.username),
    total: r.data.total as number,
  };
}

/** The resident set size of process `pid` in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** RSS before, at its sampled peak, and after an attack, in KiB. */
export interface MemoryFigures {
  beforeKiB: number;
  peakKiB: number;
  afterKiB: number;
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak. */
export class MemoryWatch {
  private readonly beforeKiB: number;
  private peakKiB: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 50,
  ) {
    this.beforeKiB = rssKiB(pid);
    this.peakKiB = this.beforeKiB;
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  /** Takes one reading now (also called by the timer); returns it. */
  sample(): number {
    try {
      const now = rssKiB(this.pid);
      this.peakKiB = Math.max(this.peakKiB, now);
      return now;
    } catch {
      return 0;
    }
  }

  /** Stops sampling and returns the figures. */
  stop(): MemoryFigures {
    clearInterval(this.timer);
    const afterKiB = this.sample();
    return { beforeKiB: this.beforeKiB, peakKiB: this.peakKiB, afterKiB };
  }
}

/** Stops `watch`, records its figures under `label` and asserts growth below `limitKiB`. */
export function expectBoundedMemory(
  watch: MemoryWatch,
  label: string,
  limitKiB = MEMORY_LIMIT_KIB,
): MemoryFigures {
  const m = watch.stop();
  record(label, {
    rss_before_MiB: mib(m.beforeKiB),
    rss_peak_MiB: mib(m.peakKiB),
    rss_after_MiB: mib(m.afterKiB),
  });
  expect(m.peakKiB - m.beforeKiB, `${label}: RSS growth in KiB`).toBeLessThan(limitKiB);
  return m;
}

/** KiB as MiB with one decimal. */
export function mib(kib: number): number {
  return Math.round((kib / 1024) * 10) / 10;
}

/** Prints one short line of measured figures. */
export function record(label: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${v}`);
  console.log(`[adversarial] ${label}: ${parts.join(' ')}`);
}

/** Measures ping round trips on a session client until stopped. */
export class Pinger {
  private running = true;
  private readonly rtts: number[] = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly client: TestClient,
    everyMs = 25,
    maxMs = 60_000,
  ) {
    this.done = this.loop(everyMs, Date.now() + maxMs);
  }

  private async loop(everyMs: number, deadline: number): Promise<void> {
    while (this.running && Date.now() < deadline && this.rtts.length < 100_000) {
      const t0 = performance.now();
      const r = await this.client.call('ping', [], 10_000);
      if (r.ok !== true) throw new Error(`control ping failed: ${JSON.stringify(r)}`);
      this.rtts.push(performance.now() - t0);
      await sleep(everyMs);
    }
  }

  /** Stops and returns the count and the maximum and median round trips in ms. */
  async stop(): Promise<{ count: number; maxMs: number; medianMs: number }> {
    this.running = false;
    await this.done;
    const sorted = [...this.rtts].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      count: sorted.length,
      maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
      medianMs: round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN),
    };
  }
}

const SUSPICIOUS =
  /Unhandled|TypeError|RangeError|ReferenceError|uncaught|\bfatal\b|"level":(50|60)/i;

/** Adds the last test of a block: the server still runs and logged no crash or internal error. */
export function itSurvives(get: () => Arena): void {
  it('server survived: still running, answering, no uncaught errors in its output', async () => {
    const a = get();
    expect(a.server.proc.exitCode).toBeNull();
    expect(a.server.proc.signalCode).toBeNull();
    expect(await a.alice.call('ping')).toMatchObject({ ok: true, data: 'pong' });
    const out = `${a.server.output.stdout}\n${a.server.output.stderr}`;
    const bad = out.split('\n').filter((line) => SUSPICIOUS.test(line));
    expect(bad.slice(0, 5)).toEqual([]);
  });
}

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
