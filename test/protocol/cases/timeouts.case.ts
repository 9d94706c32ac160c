// Heartbeat timeout and hello-token (login) timeout with short configured intervals.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, registerClient, type TestClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { emailFor, PASSWORD, pollUntil, sleep, uniqueName } from '../util.ts';

// Pings every `everyMs` until the returned function is called.
function keepAlive(c: TestClient, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (!c.isClosed) c.request('ping').catch(() => {});
  }, everyMs);
  return () => clearInterval(timer);
}

/** The Heartbeat and hello-token (login) timeouts cases, run over `wire`. */
export function timeoutsCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('heartbeat', () => {
    const server = useServer({
      config: { session: { heartbeat_interval_s: 0.2, heartbeat_timeout_s: 1 } },
    });

    async function fresh(prefix: string) {
      const name = uniqueName(prefix);
      return {
        name,
        client: await registerClient(wire.endpoint(server()), name, PASSWORD, emailFor(name)),
      };
    }

    it('drops a silent session and removes it from who', async () => {
      const watcher = await fresh('watch');
      const stop = keepAlive(watcher.client, 300);
      try {
        const silent = await fresh('silent');
        const started = Date.now();
        const ev = await silent.client.nextEvent('disconnect', 3500);
        expect(ev).toMatchObject({ tag: 'system', data: { reason: 'heartbeat_timeout' } });
        await silent.client.waitClosed(1000);
        expect(Date.now() - started).toBeLessThan(3500);
        const gone = await pollUntil(async () => {
          const who = await watcher.client.call('who');
          return !who.data.users.some((u: { username: string }) => u.username === silent.name);
        }, 1000);
        expect(gone).toBe(true);
        expect(watcher.client.isClosed).toBe(false);
      } finally {
        stop();
      }
    });

    it('removes a timed-out session at once even when its client stops reading', async () => {
      const watcher = await fresh('watch');
      const stop = keepAlive(watcher.client, 300);
      try {
        const silent = await fresh('deaf');
        const started = Date.now();
        silent.client.pause();
        const gone = await pollUntil(async () => {
          const who = await watcher.client.call('who');
          return !who.data.users.some((u: { username: string }) => u.username === silent.name);
        }, 4000);
        expect(gone).toBe(true);
        // timeout 1 s + check granularity; a profile kept until the socket is destroyed is too late
        expect(Date.now() - started).toBeLessThan(2200);
      } finally {
        stop();
      }
    });

    it('keeps a session that pings every 300 ms', async () => {
      const a = await fresh('alive');
      const stop = keepAlive(a.client, 300);
      try {
        await sleep(2500);
        expect(a.client.isClosed).toBe(false);
        expect(a.client.received.some((f) => f.event === 'disconnect')).toBe(false);
        expect(await a.client.call('get_permission_level')).toMatchObject({ ok: true });
      } finally {
        stop();
      }
    });

    it('reports the configured intervals in hello', async () => {
      const c = await connectClient(wire.endpoint(server()));
      expect(c.received[0]?.data).toMatchObject({
        heartbeat_interval_s: 0.2,
        heartbeat_timeout_s: 1,
      });
    });
  });

  describe('hello token TTL', () => {
    const server = useServer({ config: { session: { hello_ttl_s: 0.5 } } });

    it('reports token_expires_in_s 0.5 and drops a client that never logs in', async () => {
      const c = await connectClient(wire.endpoint(server()));
      expect(c.received[0]?.data.token_expires_in_s).toBe(0.5);
      const ev = await c.nextEvent('disconnect', 3000);
      expect(ev).toMatchObject({ tag: 'system', data: { reason: 'login_timeout' } });
      await c.waitClosed(1000);
    });

    it('does not drop a client that logged in in time', async () => {
      const name = uniqueName('quick');
      const c = await registerClient(wire.endpoint(server()), name, PASSWORD, emailFor(name));
      await sleep(1200);
      expect(c.isClosed).toBe(false);
      expect(await c.call('get_id')).toMatchObject({ ok: true });
    });
  });
}
