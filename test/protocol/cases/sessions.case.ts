// Session lifecycle: set_user rules, token binding, get_id/get_permission_level, logout.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, loginClient, registerClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, pollUntil, uniqueName } from '../util.ts';

/** The Session lifecycle: set_user rules, token binding, get_id/get_permission_level, logout cases, run over `wire`. */
export function sessionsCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('sessions', () => {
    const server = useServer();
    const port = () => wire.endpoint(server());

    // Registers a fresh user on its own connection (which keeps the session).
    async function fresh(prefix: string) {
      const name = uniqueName(prefix);
      const client = await registerClient(port(), name, PASSWORD, emailFor(name));
      return { name, client };
    }

    // Creates an account without keeping a session.
    async function account(prefix: string): Promise<string> {
      const { name, client } = await fresh(prefix);
      client.call('logout').catch(() => {});
      await client.waitClosed();
      return name;
    }

    describe('set_user', () => {
      it('refuses set_user before veus with not_logged_in', async () => {
        const c = await connectClient(port());
        expect(codeOf(await c.request('set_user', [], c.helloToken))).toBe('not_logged_in');
      });

      it('refuses a second set_user on the same connection', async () => {
        const name = await account('twice');
        const c = await loginClient(port(), name, PASSWORD);
        const again = await c.request('set_user', [], c.helloToken);
        expect(['already_logged_in', 'invalid_token']).toContain(codeOf(again));
        const withSession = await c.request('set_user', [], c.token);
        expect(withSession.ok).toBe(false);
      });

      it('refuses a second live session for the same user with already_logged_in', async () => {
        const { name } = await fresh('dup');
        const c = await connectClient(port());
        expect(codeOf(await c.request('veus', [name, PASSWORD], c.helloToken))).toBe('OK');
        expect(codeOf(await c.request('set_user', [], c.helloToken))).toBe('already_logged_in');
      });
    });

    describe('tokens', () => {
      it('answers a session action without a token with invalid_token', async () => {
        const { client } = await fresh('notok');
        expect(codeOf(await client.request('get_id', []))).toBe('invalid_token');
      });

      it('answers a random token with invalid_token', async () => {
        const { client } = await fresh('rand');
        const r = await client.request('get_id', [], 's_0123456789abcdef0123456789abcdef');
        expect(codeOf(r)).toBe('invalid_token');
      });

      it('answers the live hello token before login with not_logged_in', async () => {
        const c = await connectClient(port());
        expect(codeOf(await c.request('get_id', [], c.helloToken))).toBe('not_logged_in');
        expect(codeOf(await c.request('show_online_users', [], c.helloToken))).toBe(
          'not_logged_in',
        );
      });

      it('binds session tokens to their connection', async () => {
        const a = await fresh('bindA');
        const b = await fresh('bindB');
        const stranger = await connectClient(port());
        expect(codeOf(await b.client.request('get_id', [], a.client.token))).toBe('invalid_token');
        expect(codeOf(await stranger.request('get_id', [], a.client.token))).toBe('invalid_token');
        const msg = await b.client.request('message_user', [b.name, 'hi'], a.client.token);
        expect(codeOf(msg)).toBe('invalid_token');
        expect(codeOf(await a.client.call('get_id'))).toBe('OK');
      });

      it('binds hello tokens to their connection', async () => {
        const name = await account('hbind');
        const a = await connectClient(port());
        const b = await connectClient(port());
        expect(codeOf(await b.request('veus', [name, PASSWORD], a.helloToken))).toBe(
          'invalid_token',
        );
        expect(codeOf(await b.request('set_user', [], a.helloToken))).toBe('invalid_token');
        // a was not marked verified by b's attempt
        expect(codeOf(await a.request('set_user', [], a.helloToken))).toBe('not_logged_in');
      });

      it('kills the hello token at set_user', async () => {
        const name = await account('dead');
        const c = await loginClient(port(), name, PASSWORD);
        const r = await c.request('veus', [name, PASSWORD], c.helloToken);
        expect(['invalid_token', 'already_logged_in']).toContain(codeOf(r));
        expect(codeOf(await c.request('get_id', [], c.helloToken))).toBe('invalid_token');
      });
    });

    describe('get_id and get_permission_level', () => {
      it('answers get_id with #-prefixed zero-padded id', async () => {
        const c = await connectClient(port());
        const name = uniqueName('gid');
        const r = await c.request('create_user', [name, PASSWORD, emailFor(name)], c.helloToken);
        await c.request('set_user', [], c.helloToken).then((s) => {
          c.token = s.data?.token;
        });
        const id = await c.call('get_id');
        expect(id.data).toMatch(/^#\d{5,}$/);
        expect(id.data).toBe(`#${r.data.id}`);
      });

      it('answers get_permission_level with basic', async () => {
        const { client } = await fresh('lvl');
        expect(await client.call('get_permission_level')).toMatchObject({
          ok: true,
          data: 'basic',
        });
      });
    });

    describe('logout', () => {
      it('says bye, disconnects, goes offline and allows a new login', async () => {
        const a = await fresh('out');
        const watcher = await fresh('watch');
        const r = await a.client.call('logout');
        expect(r).toMatchObject({ ok: true, data: 'bye' });
        const ev = await a.client.nextEvent('disconnect');
        expect(ev).toMatchObject({ tag: 'system', data: { reason: 'logged_out' } });
        await a.client.waitClosed();
        const gone = await pollUntil(async () => {
          const who = await watcher.client.call('who');
          return !who.data.users.some((u: { username: string }) => u.username === a.name);
        }, 1000);
        expect(gone).toBe(true);
        const again = await loginClient(port(), a.name, PASSWORD);
        expect(codeOf(await again.call('get_id'))).toBe('OK');
      });

      it('supports the exit alias', async () => {
        const a = await fresh('exit');
        expect(await a.client.call('exit')).toMatchObject({ ok: true, data: 'bye' });
        await a.client.waitClosed();
      });
    });
  });
}
