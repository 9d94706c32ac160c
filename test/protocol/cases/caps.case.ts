// Capacity caps: unauthenticated per address, connections, users, password hashing.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  closeAllClients,
  connectClient,
  type Endpoint,
  loginClient,
  newClient,
  portOf,
  type TestClient,
} from '../client.ts';
import { cleanup, type SeedUser, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from '../util.ts';

// A seed account created with `user add`.
function seed(username: string): SeedUser {
  return { username, email: emailFor(username), password: PASSWORD };
}

/** Opens a connection and expects the server_busy refusal instead of hello, then a close. */
export async function expectBusy(endpoint: Endpoint) {
  const c = newClient(endpoint);
  await c.open(portOf(endpoint));
  const f = await c.nextFrame();
  expect(f).toMatchObject({ tag: null, ok: false, error: { code: 'server_busy' } });
  await c.waitClosed();
}

/** The capacity cap cases, run over `wire`. */
export function capsCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('max_unauthenticated_per_ip', () => {
    const users = [seed('capa'), seed('capb')];
    const server = useServer({ config: { limits: { max_unauthenticated_per_ip: 2 } }, users });

    it('refuses the third unauthenticated connection and recovers after a login', async () => {
      const a = await connectClient(wire.endpoint(server()));
      await connectClient(wire.endpoint(server()));
      await expectBusy(wire.endpoint(server()));
      await a.login('capa', PASSWORD);
      const c = await connectClient(wire.endpoint(server()));
      expect(await c.request('ping')).toMatchObject({ ok: true, data: 'pong' });
    });
  });

  describe('max_connections', () => {
    const server = useServer({ config: { limits: { max_connections: 3 } } });

    it('refuses the 4th connection with server_busy', async () => {
      for (let i = 0; i < 3; i++) await connectClient(wire.endpoint(server()));
      await expectBusy(wire.endpoint(server()));
    });
  });

  describe('user_capacity', () => {
    const server = useServer({
      config: { limits: { user_capacity: 1 } },
      users: [seed('only1'), seed('only2')],
    });

    it('refuses a second session with server_busy and closes', async () => {
      await loginClient(wire.endpoint(server()), 'only1', PASSWORD);
      const c = await connectClient(wire.endpoint(server()));
      expect(codeOf(await c.request('veus', ['only2', PASSWORD], c.helloToken))).toBe('OK');
      expect(codeOf(await c.request('set_user', [], c.helloToken))).toBe('server_busy');
      await c.waitClosed();
    });
  });

  describe('password hashing cap', () => {
    const user = seed(uniqueName('hashed'));
    const server = useServer({
      config: { limits: { hash_concurrency: 1, hash_queue: 1 } },
      users: [user],
    });

    it('answers server_busy beyond the hashing cap, keeps the connection, and serves others', async () => {
      const clients = await Promise.all(
        Array.from({ length: 20 }, () => connectClient(wire.endpoint(server()))),
      );
      const replies = await Promise.all(
        clients.map((c) => c.request('veus', [user.username, 'x'.repeat(128)], c.helloToken)),
      );
      const codes = replies.map(codeOf);
      // Every request is answered: a wrong password, or refused before any hashing.
      for (const code of codes) expect(['invalid_credentials', 'server_busy']).toContain(code);
      expect(codes).toContain('server_busy');
      expect(codes).toContain('invalid_credentials');
      // A refused login is not a failed attempt and leaves the connection usable.
      const busy = clients[codes.indexOf('server_busy')] as TestClient;
      expect(
        codeOf(await busy.request('veus', [user.username, user.password], busy.helloToken)),
      ).toBe('OK');
    });
  });
}
