// change_permission_level rules, custom level hierarchies and kick.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, loginClient, registerClient } from '../client.ts';
import { cleanup, type SeedUser, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, expectOk, PASSWORD, uniqueName } from '../util.ts';

// A seed account created with `user add`.
function seed(username: string, level?: string): SeedUser {
  return { username, email: emailFor(username), password: PASSWORD, level };
}

/** change_permission_level rules, custom level hierarchies and kick, run over `wire`. */
export function adminCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('change_permission_level', () => {
    const server = useServer({ users: [seed('root', 'admin')] });
    const port = () => wire.endpoint(server());

    async function basic(prefix: string) {
      const name = uniqueName(prefix);
      return { name, client: await registerClient(port(), name, PASSWORD, emailFor(name)) };
    }

    it('reports admin for a seeded admin', async () => {
      const root = await loginClient(port(), 'root', PASSWORD);
      expect(await root.call('get_permission_level')).toMatchObject({ ok: true, data: 'admin' });
    });

    it('lets an admin promote a user, who is told and gains admin rights at once', async () => {
      const root = await loginClient(port(), 'root', PASSWORD);
      const target = await basic('promo');
      const third = await basic('third');
      const r = await root.call('change_permission_level', [target.name, 'admin']);
      expect(r).toMatchObject({ ok: true, data: { username: target.name, level: 'admin' } });
      const ev = await target.client.nextEvent('permission_changed');
      expect(ev).toMatchObject({ tag: 'system', data: { level: 'admin', by: 'root' } });
      expect((await target.client.call('get_permission_level')).data).toBe('admin');
      const byTarget = await target.client.call('change_permission_level', [third.name, 'admin']);
      expect(codeOf(byTarget)).toBe('OK');
      const back = await target.client.call('change_permission_level', [third.name, 'basic']);
      expect(back).toMatchObject({ ok: true, data: { username: third.name, level: 'basic' } });
      expect((await third.client.call('get_permission_level')).data).toBe('basic');
    });

    it('gives a session the level stored at set_user, not the one seen at veus', async () => {
      const root = await loginClient(port(), 'root', PASSWORD);
      const { name, client } = await basic('between');
      expectOk(await client.call('logout'), 'logout');
      const again = await connectClient(port());
      const verified = await again.request('veus', [name, PASSWORD], again.helloToken);
      expect(verified.data.level).toBe('basic');
      // Promoted while verified but without a session: set_user reads the account again.
      expectOk(await root.call('change_permission_level', [name, 'admin']), 'promote');
      const session = await again.request('set_user', [], again.helloToken);
      expect(session).toMatchObject({ ok: true, data: { username: name, level: 'admin' } });
      again.token = session.data.token;
      expect((await again.call('get_permission_level')).data).toBe('admin');
    });

    it('forbids a basic user and changes nothing', async () => {
      const actor = await basic('actor');
      const target = await basic('victim');
      const r = await actor.client.call('change_permission_level', [target.name, 'admin']);
      expect(codeOf(r)).toBe('forbidden');
      expect((await target.client.call('get_permission_level')).data).toBe('basic');
      const self = await actor.client.call('change_permission_level', [actor.name, 'admin']);
      expect(codeOf(self)).toBe('forbidden');
      expect((await actor.client.call('get_permission_level')).data).toBe('basic');
    });

    it('rejects an unknown level, an unknown user and the caller itself', async () => {
      const root = await loginClient(port(), 'root', PASSWORD);
      const target = await basic('lvl');
      const bad = await root.call('change_permission_level', [target.name, 'superuser']);
      expect(codeOf(bad)).toBe('invalid_input');
      const ghost = await root.call('change_permission_level', [uniqueName('ghost'), 'admin']);
      expect(codeOf(ghost)).toBe('not_found');
      const own = await root.call('change_permission_level', ['root', 'basic']);
      expect(codeOf(own)).toBe('forbidden');
      const ownUpper = await root.call('change_permission_level', ['ROOT', 'basic']);
      expect(codeOf(ownUpper)).toBe('forbidden');
      expect((await root.call('get_permission_level')).data).toBe('admin');
    });

    it('rejects malformed inputs with invalid_input', async () => {
      const root = await loginClient(port(), 'root', PASSWORD);
      const target = await basic('shape');
      for (const data of [[], [target.name], [target.name, 5], [target.name, 'admin', 'x']]) {
        const r = await root.call('change_permission_level', data);
        expect(codeOf(r), JSON.stringify(data)).toBe('invalid_input');
      }
    });

    it('forbids kill_server for a basic user and keeps running', async () => {
      const user = await basic('killer');
      expect(codeOf(await user.client.call('kill_server', ['because']))).toBe('forbidden');
      expect(await user.client.request('ping')).toMatchObject({ ok: true, data: 'pong' });
      expect(server().proc.exitCode).toBeNull();
    });
  });

  describe('last admin', () => {
    const server = useServer({ users: [seed('boss1', 'admin'), seed('boss2', 'admin')] });

    it('allows demoting one of two admins but never the last one', async () => {
      const b1 = await loginClient(wire.endpoint(server()), 'boss1', PASSWORD);
      const b2 = await loginClient(wire.endpoint(server()), 'boss2', PASSWORD);
      const r = await b1.call('change_permission_level', ['boss2', 'basic']);
      expect(r).toMatchObject({ ok: true, data: { username: 'boss2', level: 'basic' } });
      expect((await b2.nextEvent('permission_changed')).data).toMatchObject({
        level: 'basic',
        by: 'boss1',
      });
      expect((await b2.call('get_permission_level')).data).toBe('basic');
      expect(codeOf(await b2.call('change_permission_level', ['boss1', 'basic']))).toBe(
        'forbidden',
      );
      expect(codeOf(await b1.call('change_permission_level', ['boss1', 'basic']))).toBe(
        'forbidden',
      );
      expect((await b1.call('get_permission_level')).data).toBe('admin');
    });
  });

  describe('custom levels', () => {
    const server = useServer({
      config: {
        levels: {
          order: ['basic', 'moderator', 'admin'],
          grants: { admin: ['admin', 'moderator', 'basic'] },
        },
      },
      users: [seed('root', 'admin')],
    });

    it('lets an admin grant moderator, which cannot kill the server', async () => {
      const root = await loginClient(wire.endpoint(server()), 'root', PASSWORD);
      const name = uniqueName('mod');
      const mod = await registerClient(wire.endpoint(server()), name, PASSWORD, emailFor(name));
      const r = await root.call('change_permission_level', [name, 'moderator']);
      expect(r).toMatchObject({ ok: true, data: { username: name, level: 'moderator' } });
      expect((await mod.nextEvent('permission_changed')).data.level).toBe('moderator');
      expect((await mod.call('get_permission_level')).data).toBe('moderator');
      expect(codeOf(await mod.call('kill_server', ['nope']))).toBe('forbidden');
      const other = uniqueName('other');
      await registerClient(wire.endpoint(server()), other, PASSWORD, emailFor(other));
      expect(codeOf(await mod.call('change_permission_level', [other, 'moderator']))).toBe(
        'forbidden',
      );
      expect(await mod.request('ping')).toMatchObject({ ok: true, data: 'pong' });
    });
  });

  describe('kick', () => {
    const server = useServer({
      users: [seed('warden', 'admin'), seed('warden2', 'admin'), seed('sleeper')],
    });
    const port = () => wire.endpoint(server());

    it('ends the target session with disconnect kicked; the user is offline at once', async () => {
      const admin = await loginClient(port(), 'warden', PASSWORD);
      const name = uniqueName('rowdy');
      const rowdy = await registerClient(port(), name, PASSWORD, emailFor(name));
      const r = await admin.call('kick', [name.toUpperCase()]);
      expect(r).toMatchObject({ ok: true, data: { username: name, sessions: 1 } });
      expect((await rowdy.nextEvent('disconnect')).data).toEqual({ reason: 'kicked' });
      await rowdy.waitClosed();
      const who = await admin.call('who');
      expect(who.data.users.map((u: { username: string }) => u.username)).not.toContain(name);
      const stored = await admin.call('msg', [name, 'still there?']);
      expect(stored).toMatchObject({ ok: true, data: { delivered: false } });
      // Kicking is not banning: the user may log in again.
      const again = await loginClient(port(), name, PASSWORD);
      expect((await again.call('get_id')).ok).toBe(true);
    });

    it('refuses basic users, unknown or offline targets, and the caller itself', async () => {
      const admin = await loginClient(port(), 'warden2', PASSWORD);
      const name = uniqueName('meek');
      const meek = await registerClient(port(), name, PASSWORD, emailFor(name));
      expect(codeOf(await meek.call('kick', ['warden2']))).toBe('forbidden');
      expect(codeOf(await admin.call('kick', [uniqueName('ghost')]))).toBe('not_found');
      expect(codeOf(await admin.call('kick', ['sleeper']))).toBe('not_online');
      expect(codeOf(await admin.call('kick', ['warden2']))).toBe('forbidden');
      expect(codeOf(await admin.call('kick', []))).toBe('invalid_input');
      expect((await admin.call('get_id')).ok).toBe(true);
      expect((await meek.call('get_id')).ok).toBe(true);
    });
  });
}
