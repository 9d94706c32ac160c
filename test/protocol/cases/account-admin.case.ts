// Managing accounts over the wire: delete_account, server-wide ban and unban, user_info, several
// sessions per user and session.on_conflict.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT, registered, tryLogin } from '../accounts-support.ts';
import { closeAllClients, connectClient, loginClient } from '../client.ts';
import { cleanup, runCli, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, expectOk, PASSWORD, uniqueName } from '../util.ts';

/**
 * Managing accounts over the wire: delete_account, server-wide ban and unban, user_info, several
 * sessions per user and session.on_conflict, run over `wire`.
 */
export function accountAdminCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('delete_account', () => {
    const server = useServer({ users: [ROOT] });

    it('needs the password, ends every session, erases the account and holds the name', async () => {
      const { name, c } = await registered(wire.endpoint(server()), 'leaver');
      expect(codeOf(await c.call('delete_account', ['not-my-password']))).toBe(
        'invalid_credentials',
      );
      const ok = expectOk(await c.call('delete_account', [PASSWORD]), 'delete_account');
      expect(ok.data).toBe('deleted');
      expect((await c.nextEvent('disconnect')).data).toEqual({ reason: 'account_deleted' });
      await c.waitClosed();
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, PASSWORD))).toBe(
        'invalid_credentials',
      );
      // The name stays reserved; the email is free at once.
      const again = await connectClient(wire.endpoint(server()));
      expect(codeOf(await again.call('create_user', [name, PASSWORD, 'other@example.com']))).toBe(
        'username_taken',
      );
      const other = uniqueName('newcomer');
      expect(codeOf(await again.call('create_user', [other, PASSWORD, emailFor(name)]))).toBe('OK');
      const root = await loginClient(wire.endpoint(server()), ROOT.username, ROOT.password);
      expect(codeOf(await root.call('user_info', [name]))).toBe('not_found');
      root.destroy();
      await root.waitClosed();
      const list = await runCli(['user', 'list', '--json', '--data-dir', server().dataDir]);
      const row = list.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((u) => u.username === name);
      expect(row).toMatchObject({ email: '', phone: null, status: 'deleted' });
      const audit = await runCli(['audit', '--json', '--data-dir', server().dataDir]);
      expect(audit.stdout).toContain('"action":"account_deleted"');
    });

    it('never deletes the last admin', async () => {
      const root = await loginClient(wire.endpoint(server()), ROOT.username, ROOT.password);
      const r = await root.call('delete_account', [ROOT.password]);
      expect(codeOf(r)).toBe('forbidden');
      expect(r.error?.message).toContain('last admin');
      expect(codeOf(await root.call('ping'))).toBe('OK');
    });
  });

  describe('ban and unban', () => {
    const DEPUTY = {
      username: 'deputy',
      email: 'deputy@example.com',
      password: 'Tq7!second-pass',
      level: 'admin',
    };
    const server = useServer({ users: [ROOT, DEPUTY] });

    it('ends a banned user’s sessions and refuses their logins until unbanned', async () => {
      const { name, c } = await registered(wire.endpoint(server()), 'troll');
      const root = await loginClient(wire.endpoint(server()), ROOT.username, ROOT.password);
      const ban = expectOk(await root.call('ban', [name.toUpperCase(), 'spamming #global']), 'ban');
      expect(ban.data).toEqual({ username: name, banned: true });
      expect((await c.nextEvent('disconnect')).data).toEqual({ reason: 'banned' });
      await c.waitClosed();
      const refused = await tryLogin(wire.endpoint(server()), name, PASSWORD);
      expect(codeOf(refused)).toBe('forbidden');
      expect(refused.error?.message).toBe('this account is banned');
      // A wrong password still says only that it is wrong.
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, 'wrong-password-x'))).toBe(
        'invalid_credentials',
      );
      const info = expectOk(await root.call('user_info', [name]), 'user_info');
      expect(info.data).toMatchObject({ banned: true, ban_reason: 'spamming #global' });
      expect(expectOk(await root.call('unban', [name]), 'unban').data).toEqual({
        username: name,
        banned: false,
      });
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, PASSWORD))).toBe('OK');
      const audit = await runCli(['audit', '--json', '--data-dir', server().dataDir]);
      const entries = audit.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(
        entries.filter((e) => e.target === name.toUpperCase()).map((e) => [e.action, e.detail]),
      ).toEqual([['ban', 'spamming #global']]);
      expect(
        entries.some((e) => e.action === 'unban' && e.target === name && e.outcome === 'ok'),
      ).toBe(true);
      root.destroy();
      await root.waitClosed();
    });

    it('acts only on lower levels, and only for admins', async () => {
      const { name, c } = await registered(wire.endpoint(server()), 'meek');
      const root = await loginClient(wire.endpoint(server()), ROOT.username, ROOT.password);
      expect(codeOf(await c.call('ban', [ROOT.username]))).toBe('forbidden');
      expect(codeOf(await root.call('ban', [DEPUTY.username]))).toBe('forbidden');
      expect(codeOf(await root.call('ban', [ROOT.username]))).toBe('forbidden');
      expect(codeOf(await root.call('ban', [uniqueName('ghost')]))).toBe('not_found');
      expect(codeOf(await root.call('ban', []))).toBe('invalid_input');
      expect(codeOf(await c.call('ping'))).toBe('OK');
      expect(
        codeOf(await tryLogin(wire.endpoint(server()), DEPUTY.username, DEPUTY.password)),
      ).toBe('OK');
      expect(name).toBeTruthy();
    });
  });

  describe('user_info', () => {
    const server = useServer({ users: [ROOT] });

    it('tells who a user is; email and phone only to themselves and admins', async () => {
      const { name: alice, c: a } = await registered(wire.endpoint(server()), 'alice');
      const { name: bob } = await registered(wire.endpoint(server()), 'bob');
      const about = expectOk(await a.call('user_info', [bob]), 'user_info');
      expect(Object.keys(about.data).sort()).toEqual([
        'created_at',
        'id',
        'level',
        'online',
        'username',
      ]);
      expect(about.data).toMatchObject({ username: bob, level: 'basic', online: true });
      expect(about.data.id).toMatch(/^\d{5,}$/);
      const self = expectOk(await a.call('user_info', [alice]), 'user_info');
      expect(self.data).toMatchObject({ username: alice, email: emailFor(alice), phone: null });
      expect(self.data).not.toHaveProperty('banned');
      const root = await loginClient(wire.endpoint(server()), ROOT.username, ROOT.password);
      const seen = expectOk(await root.call('user_info', [bob]), 'user_info');
      expect(seen.data).toMatchObject({ email: emailFor(bob), banned: false });
      expect(JSON.stringify(seen.data)).not.toContain('argon2');
      expect(codeOf(await a.call('user_info', [uniqueName('ghost')]))).toBe('not_found');
    });
  });

  describe('several sessions per user', () => {
    const server = useServer({ config: { session: { sessions_per_user: 2 } } });

    it('delivers to every session and refuses one beyond the cap', async () => {
      const { name, c: one } = await registered(wire.endpoint(server()), 'multi');
      const two = await loginClient(wire.endpoint(server()), name, PASSWORD);
      const third = await connectClient(wire.endpoint(server()));
      expectOk(await third.call('veus', [name, PASSWORD]), 'veus');
      expect(codeOf(await third.call('set_user'))).toBe('already_logged_in');
      const { c: sender } = await registered(wire.endpoint(server()), 'sender');
      expectOk(await sender.call('message_user', [name, 'to both']), 'message_user');
      expect((await one.nextEvent('message')).data.text).toBe('to both');
      expect((await two.nextEvent('message')).data.text).toBe('to both');
      const who = expectOk(await one.call('who'), 'who');
      expect(who.data.users.filter((u: { username: string }) => u.username === name)).toHaveLength(
        1,
      );
    });
  });

  describe('session.on_conflict: replace', () => {
    const server = useServer({ config: { session: { on_conflict: 'replace' } } });

    it('ends the oldest session with session_replaced and lets the new login in', async () => {
      const { name, c: old } = await registered(wire.endpoint(server()), 'mover');
      const fresh = await loginClient(wire.endpoint(server()), name, PASSWORD);
      expect((await old.nextEvent('disconnect')).data).toEqual({ reason: 'session_replaced' });
      await old.waitClosed();
      expect(codeOf(await fresh.call('ping'))).toBe('OK');
    });
  });
}
