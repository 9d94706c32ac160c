// In-process tests of the server core with a manual clock: timeouts without sleeping.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../storage/sqlite/sqlite-storage.ts';
import { ManualClock } from './clock.ts';
import { loadConfig } from './config.ts';
import { SuperServer } from './server.ts';
import type { Transport } from './transport/transport.ts';

/** A transport that records what the server writes; the thing under test is the server. */
class RecordingTransport implements Transport {
  readonly kind = 'tcp';
  readonly frames: Array<Record<string, unknown>> = [];
  closed = false;
  /** pause() and resume() calls, in order */
  readonly flow: string[] = [];
  constructor(readonly remoteAddress = '127.0.0.1') {}
  write(frame: string): void {
    this.frames.push(JSON.parse(frame));
  }
  bufferedBytes(): number {
    return 0;
  }
  pause(): void {
    this.flow.push('pause');
  }
  resume(): void {
    this.flow.push('resume');
  }
  close(): void {
    this.closed = true;
  }
  last(): Record<string, unknown> | undefined {
    return this.frames[this.frames.length - 1];
  }
}

const servers: SuperServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.shutdown('test over', null);
});

function setup() {
  const clock = new ManualClock(1_000_000);
  const config = loadConfig({
    flags: {
      'session.hello_ttl_s': 120,
      'session.heartbeat_timeout_s': 15,
      'server.shutdown_grace_s': 0.1,
      'accounts.require_email_confirmation': false,
    },
  });
  const server = new SuperServer({
    config,
    storage: openSqliteStorage(':memory:'),
    log: pino({ level: 'silent' }),
    clock,
  });
  servers.push(server);
  const connect = () => {
    const transport = new RecordingTransport();
    const handlers = server.accept(transport);
    const token = (transport.frames[0] as { data: { token: string } }).data.token;
    let tag = 0;
    const request = async (action: string, data: unknown[], tok?: string) => {
      const t = String(++tag);
      handlers.onData(Buffer.from(`${JSON.stringify({ action, data, tag: t, token: tok })}\n`));
      for (let i = 0; i < 200; i++) {
        const reply = transport.frames.find((f) => f.tag === t && 'ok' in f);
        if (reply) return reply as { ok: boolean; data: never; error?: { code: string } };
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`no reply to ${action}`);
    };
    return { transport, handlers, token, request };
  };
  return { clock, server, connect };
}

describe('SuperServer timeouts (manual clock)', () => {
  it('closes a connection that does not log in within hello_ttl_s', () => {
    const { clock, server, connect } = setup();
    const c = connect();
    clock.advance(119_000);
    server.sweep();
    expect(c.transport.closed).toBe(false);
    clock.advance(1_000);
    server.sweep();
    expect(c.transport.last()).toEqual({
      event: 'disconnect',
      tag: 'system',
      data: { reason: 'login_timeout' },
    });
    expect(c.transport.closed).toBe(true);
  });

  it('refuses an expired hello token', async () => {
    const { clock, connect } = setup();
    const c = connect();
    clock.advance(120_000);
    const reply = await c.request('veus', ['nobody', 'whatever1'], c.token);
    expect(reply.error?.code).toBe('invalid_token');
  });

  it('drops a silent session after heartbeat_timeout_s and removes its profile at once', async () => {
    const { clock, server, connect } = setup();
    const a = connect();
    expect(
      (await a.request('create_user', ['alice', 'purple lantern dawn', 'a@x.io'], a.token)).ok,
    ).toBe(true);
    const session = await a.request('set_user', [], a.token);
    const token = (session.data as { token: string }).token;
    clock.advance(14_000);
    expect((await a.request('ping', [])).ok).toBe(true); // any frame counts as liveness
    clock.advance(14_000);
    server.sweep();
    expect(a.transport.closed).toBe(false);
    clock.advance(1_000);
    server.sweep();
    expect(a.transport.last()).toMatchObject({
      event: 'disconnect',
      data: { reason: 'heartbeat_timeout' },
    });
    expect(server.services.sessions.size).toBe(0);
    expect((await server.services.sessions.list(10)).total).toBe(0);
    expect(token).toMatch(/^s_/);
  });

  it('gives no session to a connection that closed while set_user was running', async () => {
    const { server, connect } = setup();
    const a = connect();
    expect(
      (await a.request('create_user', ['gone', 'purple lantern dawn', 'g@x.io'], a.token)).ok,
    ).toBe(true);
    const frame = { action: 'set_user', data: [], tag: 'late', token: a.token };
    a.handlers.onData(Buffer.from(`${JSON.stringify(frame)}\n`));
    a.handlers.onTransportClosed(); // the socket goes while set_user awaits storage
    await new Promise((r) => setTimeout(r, 20));
    expect(server.services.sessions.size).toBe(0);
    expect((await server.services.sessions.list(10)).total).toBe(0);
  });
});

describe('SuperServer input back-pressure', () => {
  it('answers synchronous requests before the data handler returns, in order', () => {
    const { connect } = setup();
    const c = connect();
    const pings = [1, 2, 3].map((i) => JSON.stringify({ action: 'ping', data: [], tag: `q${i}` }));
    c.handlers.onData(Buffer.from(`${pings.join('\n')}\n`));
    const answered = c.transport.frames.filter((f) => 'ok' in f).map((f) => f.tag);
    expect(answered).toEqual(['q1', 'q2', 'q3']);
    expect(c.transport.flow).toEqual([]);
  });

  it('stops reading at limits.inbox_frames waiting frames and resumes once they are done', async () => {
    const { connect } = setup();
    const c = connect();
    // A login (argon2 runs off the loop) and 199 pings waiting behind it in one chunk:
    // more than the 64 frames the inbox may hold.
    const login = { action: 'veus', data: ['nobody', 'whatever1'], tag: 'p0', token: c.token };
    const burst = [
      JSON.stringify(login),
      ...Array.from({ length: 199 }, (_, i) =>
        JSON.stringify({ action: 'ping', data: [], tag: `p${i + 1}` }),
      ),
    ];
    c.handlers.onData(Buffer.from(`${burst.join('\n')}\n`));
    expect(c.transport.flow).toEqual(['pause']);
    for (let i = 0; i < 200 && c.transport.flow.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(c.transport.flow).toEqual(['pause', 'resume']);
    // Every frame is answered, in order (pong, or rate_limited past the default burst).
    const answered = c.transport.frames.filter((f) => 'ok' in f).map((f) => f.tag);
    expect(answered).toEqual(burst.map((_, i) => `p${i}`));
  });
});
