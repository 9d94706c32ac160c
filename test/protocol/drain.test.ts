// Draining for a restart (SIGUSR2): /healthz turns 503 `draining` while the listener is still
// open, new connections are refused, existing ones are served until every one of them (TCP
// and WebSocket, logged in or not) gets `shutdown {reason: "restart", by: null}`; exit 0.
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, registerClient } from './client.ts';
import { cleanup, type ServerHandle, startServer, waitExit } from './harness.ts';
import { TCP, WS } from './transports.ts';
import { emailFor, PASSWORD, uniqueName } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

// Long enough that the checks below happen inside it even on a loaded machine; the test
// does not wait for it to pass (the shutdown events come after it, whenever that is).
const DRAIN_DELAY_S = 3;

async function healthz(server: ServerHandle): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
  return { status: res.status, body: await res.text() };
}

/** Resolves with the error a new TCP connection to `port` ends with (none: undefined). */
function tryConnect(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('error', (err) => resolve(err));
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

describe('drain for a restart (SIGUSR2)', () => {
  it('turns /healthz 503 before the listener closes, tells everyone `restart`, exits 0', async () => {
    const srv = await startServer({ config: { server: { drain_delay_s: DRAIN_DELAY_S } } });
    const tcpName = uniqueName('drain_tcp');
    const wsName = uniqueName('drain_ws');
    const member = await registerClient(TCP.endpoint(srv), tcpName, PASSWORD, emailFor(tcpName));
    const clients = [
      member,
      await registerClient(WS.endpoint(srv), wsName, PASSWORD, emailFor(wsName)),
      await connectClient(TCP.endpoint(srv)),
      await connectClient(WS.endpoint(srv)),
    ];
    expect(await healthz(srv)).toEqual({ status: 200, body: 'ok\n' });

    srv.proc.kill('SIGUSR2');
    // The flag flips as the signal arrives; a request sent before that may still see ok.
    let health = await healthz(srv);
    for (let i = 0; i < 100 && health.status === 200; i++) health = await healthz(srv);
    expect(health).toEqual({ status: 503, body: 'draining\n' });
    expect(clients.every((c) => !c.isClosed)).toBe(true);
    expect((await tryConnect(srv.port))?.code).toBe('ECONNREFUSED');
    // Still served meanwhile: a logged-in client's request is answered.
    expect(await member.call('ping')).toMatchObject({ ok: true });

    for (const c of clients) {
      const ev = await c.nextEvent('shutdown', (DRAIN_DELAY_S + 10) * 1000);
      expect(ev).toMatchObject({ tag: 'system', data: { reason: 'restart', by: null } });
      await c.waitClosed();
    }
    expect((await waitExit(srv, 15_000)).code).toBe(0);
    expect(srv.output.stdout).toContain('draining for a restart');
  }, 60_000);

  it('cuts the drain delay short on SIGTERM (a supervisor stopping the node)', async () => {
    // A delay no test waits out: the clients are told only because SIGTERM ended it.
    const srv = await startServer({ config: { server: { drain_delay_s: 3_600 } } });
    const name = uniqueName('drain_term');
    const c = await registerClient(TCP.endpoint(srv), name, PASSWORD, emailFor(name));
    srv.proc.kill('SIGUSR2');
    let health = await healthz(srv);
    for (let i = 0; i < 100 && health.status === 200; i++) health = await healthz(srv);
    expect(health.status).toBe(503);
    srv.proc.kill('SIGTERM');
    expect((await c.nextEvent('shutdown', 15_000)).data).toEqual({ reason: 'restart', by: null });
    expect((await waitExit(srv, 15_000)).code).toBe(0);
  }, 60_000);

  it('drains every worker of --workers 2 when the primary gets SIGUSR2', async () => {
    const srv = await startServer({
      args: ['--workers', '2'],
      config: { server: { drain_delay_s: DRAIN_DELAY_S } },
    });
    const names = [uniqueName('drain_w1'), uniqueName('drain_w2')];
    const clients = await Promise.all(
      names.map((n) => registerClient(TCP.endpoint(srv), n, PASSWORD, emailFor(n))),
    );
    srv.proc.kill('SIGUSR2');
    let health = await healthz(srv);
    for (let i = 0; i < 100 && health.status === 200; i++) health = await healthz(srv);
    expect(health).toEqual({ status: 503, body: 'draining\n' });
    for (const c of clients) {
      const ev = await c.nextEvent('shutdown', (DRAIN_DELAY_S + 10) * 1000);
      expect(ev.data).toEqual({ reason: 'restart', by: null });
    }
    expect(await waitExit(srv, 20_000), srv.output.stderr).toEqual({ code: 0, signal: null });
  }, 60_000);
});
