// kill_server by an admin and SIGTERM: shutdown event to every client, clean exit.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  closeAllClients,
  connectClient,
  type Endpoint,
  loginClient,
  registerClient,
} from '../client.ts';
import { cleanup, startServer, waitExit } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { emailFor, PASSWORD, uniqueName } from '../util.ts';

const root = { username: 'root', email: 'root@example.com', password: PASSWORD, level: 'admin' };

async function population(port: Endpoint) {
  const name = uniqueName('bystander');
  const basic = await registerClient(port, name, PASSWORD, emailFor(name));
  const anon = await connectClient(port);
  return { basic, anon };
}

/**
 * kill_server by an admin and SIGTERM: shutdown event to every client, clean exit, run over
 * `wire`.
 */
export function shutdownCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('shutdown', () => {
    it('kill_server by an admin tells everyone and exits 0 within 5 s', async () => {
      const srv = await startServer({ users: [root] });
      const admin = await loginClient(wire.endpoint(srv), 'root', PASSWORD);
      const { basic, anon } = await population(wire.endpoint(srv));
      const started = Date.now();
      const r = await admin.call('kill_server', ['maintenance']);
      expect(r).toMatchObject({ ok: true, data: 'shutting down' });
      for (const c of [admin, basic, anon]) {
        const ev = await c.nextEvent('shutdown');
        expect(ev).toMatchObject({ tag: 'system', data: { reason: 'maintenance', by: 'root' } });
        await c.waitClosed();
      }
      const exit = await waitExit(srv, Math.max(0, 5000 - (Date.now() - started)));
      expect(exit.code).toBe(0);
    });

    it('SIGTERM tells everyone (by null) and exits 0', async () => {
      const srv = await startServer({ users: [root] });
      const admin = await loginClient(wire.endpoint(srv), 'root', PASSWORD);
      const { basic, anon } = await population(wire.endpoint(srv));
      srv.proc.kill('SIGTERM');
      for (const c of [admin, basic, anon]) {
        const ev = await c.nextEvent('shutdown');
        expect(ev.tag).toBe('system');
        expect(ev.data.by).toBeNull();
        await c.waitClosed();
      }
      expect((await waitExit(srv, 5000)).code).toBe(0);
    });
  });
}
