// A client whose server dies or freezes reports the close; an idle client is kept alive by pings.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionClosedError } from '../../src/client/index.ts';
import { cleanup, type ServerHandle, startServer } from '../protocol/harness.ts';
import { sleep } from '../protocol/util.ts';
import { closeAllSdk, nextEvent, registerSdk, rejection, within } from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

const SHORT_HEARTBEAT = { session: { heartbeat_interval_s: 1, heartbeat_timeout_s: 3 } };

/** Kills a (possibly stopped) server for good. */
async function kill(srv: ServerHandle): Promise<void> {
  srv.proc.kill('SIGKILL');
  await within(srv.exited, 5000, 'server exit after SIGKILL');
}

// Each describe shares one server; its last test kills that server.
describe('sdk disconnects: server killed', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startServer();
  });

  it('reports the disconnect reason (logged_out) and resolves logout once closed', async () => {
    const { client } = await registerSdk(srv.port, 'sdk_bye');
    const disconnect = nextEvent(client, 'disconnect');
    const closed = nextEvent(client, 'close');
    await within(client.logout(), 3000, 'logout');
    expect(client.isConnected).toBe(false);
    expect(await disconnect).toEqual({ reason: 'logged_out' });
    expect((await closed).reason).toBe('logged_out');
  });

  it('reports connection_lost at once when the server is killed', async () => {
    const { client } = await registerSdk(srv.port, 'sdk_kill');
    const closed = nextEvent(client, 'close', 3000);
    srv.proc.kill('SIGSTOP'); // so the ping below is surely still waiting when the server dies
    const pending = rejection(client.call('ping'));
    await kill(srv);
    const info = await closed;
    expect(info.reason).toBe('connection_lost');
    expect(client.isConnected).toBe(false);
    expect(client.isLoggedIn).toBe(false);
    const err = await within(pending, 1000, 'pending ping');
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as ConnectionClosedError).reason).toBe('connection_lost');
  });
});

describe('sdk disconnects: short heartbeat (interval 1 s, timeout 3 s)', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startServer({ config: SHORT_HEARTBEAT });
  });

  it('keeps an idle logged-in client alive past the server heartbeat timeout', async () => {
    const { name, client } = await registerSdk(srv.port, 'sdk_idle');
    const events: string[] = [];
    // The login's `synced` may come just after registerSdk returns; it ends nothing.
    client.on('event', (ev) => ev.event !== 'synced' && events.push(ev.event));
    client.on('close', () => events.push('close'));
    await sleep(4000);
    expect(client.isLoggedIn).toBe(true);
    const who = await client.who();
    expect(who.users.map((u) => u.username)).toContain(name);
    expect(events).toEqual([]);
  });

  it('declares a frozen (half-open) server dead after heartbeat_timeout_s', async () => {
    const { client } = await registerSdk(srv.port, 'sdk_frozen');
    expect(client.hello?.heartbeat_timeout_s).toBe(3);
    let closes = 0;
    client.on('close', () => {
      closes += 1;
    });
    const closed = nextEvent(client, 'close', 3000 + 1000 + 2000);
    srv.proc.kill('SIGSTOP');
    try {
      const pending = rejection(client.who());
      const info = await closed;
      expect(info.reason).toBe('heartbeat_timeout');
      const err = await pending;
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect((err as ConnectionClosedError).reason).toBe('heartbeat_timeout');
      expect(client.isConnected).toBe(false);
    } finally {
      await kill(srv);
    }
    await sleep(100);
    expect(closes).toBe(1);
  });
});
