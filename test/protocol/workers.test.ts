// `--workers 2`: two server processes behind one port, one presence list,
// messages and admin actions across processes, one session per user, one stop.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { childrenOf } from '../../bench/lib/proc.ts';
import {
  closeAllClients,
  connectClient,
  loginClient,
  registerClient,
  type TestClient,
} from './client.ts';
import { cleanup, type SeedUser, startServer, waitExit } from './harness.ts';
import { codeOf, emailFor, expectOk, PASSWORD, pollUntil } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const ADMIN: SeedUser = {
  username: 'wk_root',
  email: emailFor('wk_root'),
  password: PASSWORD,
  level: 'admin',
};
const NAMES = ['wk_a', 'wk_b', 'wk_c', 'wk_d', 'wk_e', 'wk_f'];

/** The value of an unlabelled Prometheus sample. */
async function metric(port: number | undefined, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.slice(name.length + 1));
}

describe('--workers 2', () => {
  it('routes messages, presence and admin actions across workers and stops as one', async () => {
    const server = await startServer({
      users: [ADMIN],
      args: ['--workers', '2', '--metrics-port', '0'],
    });
    // The primary hands connections to the workers in turn, so these land on both.
    const clients: TestClient[] = [];
    for (const n of NAMES)
      clients.push(await registerClient(server.port, n, PASSWORD, emailFor(n)));
    const root = await loginClient(server.port, ADMIN.username, PASSWORD);
    expect(await metric(server.metricsPort, 'super_server_processes')).toBe(3);
    expect(await metric(server.metricsPort, 'super_server_sessions')).toBe(NAMES.length + 1);

    // Every client sees everyone, whichever worker it is on.
    const everyone = [...NAMES, ADMIN.username].sort();
    for (const c of clients) {
      const who = expectOk(await c.call('who'), 'who');
      expect(who.data.users.map((u: { username: string }) => u.username)).toEqual(everyone);
    }

    // Every pair exchanges a message: half of them cross workers.
    for (const [i, from] of clients.entries()) {
      for (const [j, to] of NAMES.entries()) {
        if (i === j) continue;
        const r = expectOk(await from.call('msg', [to, `${NAMES[i]}->${to}`]), 'msg');
        expect(r.data.delivered).toBe(true);
      }
    }
    for (const [j, c] of clients.entries()) {
      const texts = new Set<string>();
      for (let k = 0; k < NAMES.length - 1; k++)
        texts.add((await c.nextEvent('message')).data.text);
      expect(texts).toEqual(
        new Set(NAMES.filter((_, i) => i !== j).map((n) => `${n}->${NAMES[j]}`)),
      );
    }

    // /metrics merges the workers and the primary: both workers' sends add up, once each.
    const page = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    const value = (series: string) =>
      Number(
        page
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.slice(series.length + 1),
      );
    const sent = NAMES.length * (NAMES.length - 1);
    expect(
      value('super_server_request_duration_seconds_count{action="message_user",outcome="ok"}'),
    ).toBe(sent);
    expect(value('super_server_messages_stored_total{kind="direct"}')).toBe(sent);
    expect(value('super_server_messages_delivered_total')).toBe(sent);
    expect(value('super_server_connections{transport="tcp",state="session"}')).toBe(
      NAMES.length + 1,
    );
    expect(value('super_server_eventloop_lag_seconds_count')).toBeGreaterThan(0);
    const typeLines = page.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
    expect(page.split('\n').filter((l) => l.startsWith('nodejs_version_info{'))).toHaveLength(1);

    // One session per user, whichever worker the second login lands on.
    for (let k = 0; k < 4; k++) {
      const again = await connectClient(server.port);
      expectOk(await again.request('veus', ['wk_a', PASSWORD], again.helloToken), 'veus');
      expect(codeOf(await again.request('set_user', [], again.helloToken))).toBe(
        'already_logged_in',
      );
      again.destroy();
    }

    // Admin actions reach users on the other worker.
    expectOk(await root.call('change_permission_level', ['wk_b', 'admin']), 'promote');
    expect((await (clients[1] as TestClient).nextEvent('permission_changed')).data).toEqual({
      level: 'admin',
      by: ADMIN.username,
    });
    expect((await (clients[1] as TestClient).call('get_permission_level')).data).toBe('admin');
    for (const target of [2, 3]) {
      const kicked = expectOk(await root.call('kick', [NAMES[target]]), 'kick');
      expect(kicked.data.sessions).toBe(1);
      expect((await (clients[target] as TestClient).nextEvent('disconnect')).data.reason).toBe(
        'kicked',
      );
    }
    const gone = await pollUntil(
      async () => (await (clients[0] as TestClient).call('who')).data.total === 5,
      2_000,
    );
    expect(gone).toBe(true);

    // kill_server on one worker stops every worker and then the primary, with status 0.
    expectOk(await root.call('kill_server', ['maintenance']), 'kill_server');
    for (const c of [root, ...clients.filter((_, i) => i !== 2 && i !== 3)]) {
      expect((await c.nextEvent('shutdown')).data).toEqual({
        reason: 'maintenance',
        by: ADMIN.username,
      });
    }
    expect(await waitExit(server, 10_000), server.output.stderr).toEqual({ code: 0, signal: null });
  });

  it('stops every worker on SIGTERM to the primary', async () => {
    const server = await startServer({ args: ['--workers', '2'] });
    const a = await registerClient(server.port, 'wk_sig_a', PASSWORD, emailFor('wk_sig_a'));
    const b = await registerClient(server.port, 'wk_sig_b', PASSWORD, emailFor('wk_sig_b'));
    server.proc.kill('SIGTERM');
    for (const c of [a, b])
      expect((await c.nextEvent('shutdown')).data).toEqual({ reason: 'SIGTERM', by: null });
    expect(await waitExit(server, 10_000), server.output.stderr).toEqual({ code: 0, signal: null });
  });

  it('replaces a worker that died and frees the sessions it held', async () => {
    const server = await startServer({ args: ['--workers', '2'] });
    const a = await registerClient(server.port, 'wk_die_a', PASSWORD, emailFor('wk_die_a'));
    const b = await registerClient(server.port, 'wk_die_b', PASSWORD, emailFor('wk_die_b'));
    const [victim] = childrenOf(server.proc.pid as number);
    expect(childrenOf(server.proc.pid as number)).toHaveLength(2);
    process.kill(victim as number, 'SIGKILL');
    // One of the two lost its worker; the other sees it leave the list.
    await Promise.race([a.closed, b.closed]);
    const survivor = a.isClosed ? b : a;
    const lost = a.isClosed ? 'wk_die_a' : 'wk_die_b';
    const left = await pollUntil(async () => (await survivor.call('who')).data.total === 1, 3_000);
    expect(left).toBe(true);
    // Its user may log in again, and the primary started a new worker.
    const back = await loginClient(server.port, lost, PASSWORD);
    expect((await back.call('who')).data.total).toBe(2);
    const replaced = await pollUntil(
      async () => childrenOf(server.proc.pid as number).length === 2,
      10_000,
    );
    expect(replaced).toBe(true);
    expect(childrenOf(server.proc.pid as number)).not.toContain(victim);
  });
});
