// Shared helpers of the adversarial suite: a real server with two logged-in
// control users beside the abuser, and the end-of-file survival check.
// Memory and latency figures are in measure.ts, raw sockets in raw-socket.ts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Frame, TestClient } from '../protocol/client.ts';
import {
  type SeedUser,
  type ServerHandle,
  type ServerOptions,
  startServer,
} from '../protocol/harness.ts';
import { emailFor, PASSWORD, pollUntil } from '../protocol/util.ts';

/** The two control accounts every arena seeds and keeps logged in. */
export const CONTROL = ['ctl_alice', 'ctl_bob'] as const;

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
