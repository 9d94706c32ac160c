// The audit log: privileged calls (allowed and refused), group moderation, locks and
// shutdowns are stored with who, what, target, when and from where, and read with `audit`.
// The `audit` command's own flags are tested in audit.test.ts.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type AuditEntry, auditEntries } from '../audit-support.ts';
import { closeAllClients, connectClient, loginClient } from '../client.ts';
import { cleanup, runCli, startServer, waitExit } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, expectOk, pollUntil } from '../util.ts';

const ROOT = {
  username: 'root',
  email: 'root@example.com',
  password: 'Tq7!long-pass-R',
  level: 'admin',
};
const BOB = { username: 'bob', email: 'bob@example.com', password: 'Tq7!long-pass-B' };
const EVE = { username: 'eve', email: 'eve@example.com', password: 'Tq7!long-pass-E' };

/** The audit-log cases, run over `wire`. */
export function auditCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('audit log', () => {
    it('records refused and allowed admin actions, with nothing changed by the refused ones', async () => {
      const server = await startServer({ users: [ROOT, BOB, EVE] });
      const bob = await loginClient(wire.endpoint(server), BOB.username, BOB.password);
      const eve = await loginClient(wire.endpoint(server), EVE.username, EVE.password);
      expect(codeOf(await bob.call('kill_server', ['mine now']))).toBe('forbidden');
      expect(codeOf(await bob.call('change_permission_level', ['bob', 'admin']))).toBe('forbidden');
      expect(codeOf(await bob.call('kick', ['eve']))).toBe('forbidden');
      // Nothing changed: bob is basic, eve is online, the server runs.
      expect((await bob.call('get_permission_level')).data).toBe('basic');
      expect((await eve.call('ping')).data).toBe('pong');

      const root = await loginClient(wire.endpoint(server), ROOT.username, ROOT.password);
      expectOk(await root.call('kick', ['eve']), 'kick');
      expectOk(await root.call('change_permission_level', ['bob', 'admin']), 'promote');
      // Ordinary actions are not audited.
      expectOk(await root.call('show_online_users'), 'who');

      let entries: AuditEntry[] = [];
      await pollUntil(async () => {
        entries = (await auditEntries(server.dataDir)).filter((e) => e.actor !== '(cli)');
        return entries.length >= 5;
      }, 5_000);
      const summary = entries.map((e) => [e.actor, e.action, e.target, e.outcome, e.detail]);
      expect(summary).toEqual([
        ['bob', 'kill_server', null, 'forbidden', 'mine now'],
        ['bob', 'change_permission_level', 'bob', 'forbidden', 'admin'],
        ['bob', 'kick', 'eve', 'forbidden', null],
        ['root', 'kick', 'eve', 'ok', null],
        ['root', 'change_permission_level', 'bob', 'ok', 'admin'],
      ]);
      for (const e of entries) {
        expect(e.address).toBe('127.0.0.1');
        expect(Date.now() - Date.parse(e.at)).toBeLessThan(60_000);
      }
      // The accounts the harness made with `user add` are operator entries.
      const cli = (await auditEntries(server.dataDir)).filter((e) => e.actor === '(cli)');
      expect(cli.map((e) => [e.action, e.target])).toEqual([
        ['user_add', 'root'],
        ['user_add', 'bob'],
        ['user_add', 'eve'],
      ]);

      expectOk(await root.call('kill_server', ['maintenance']), 'kill_server');
      expect((await waitExit(server, 8_000)).code).toBe(0);
      const tail = (await auditEntries(server.dataDir)).slice(-2);
      expect(tail.map((e) => [e.actor, e.action, e.outcome, e.detail])).toEqual([
        ['root', 'kill_server', 'ok', 'maintenance'],
        ['root', 'shutdown', 'ok', 'maintenance'],
      ]);
    });

    it('records group moderation, allowed and refused, but not ordinary group use', async () => {
      const server = await startServer({ users: [ROOT, BOB, EVE] });
      const bob = await loginClient(wire.endpoint(server), BOB.username, BOB.password);
      const eve = await loginClient(wire.endpoint(server), EVE.username, EVE.password);
      expectOk(await bob.call('create_group', ['lab']), 'create');
      expectOk(await eve.call('join_group', ['#lab']), 'join');
      expectOk(await eve.call('message_group', ['#lab', 'hi']), 'post');
      expect(codeOf(await eve.call('group_kick', ['#lab', 'bob']))).toBe('forbidden');
      expectOk(await bob.call('group_role', ['#lab', 'eve', 'moderator']), 'role');
      expectOk(await bob.call('group_ban', ['#lab', 'eve']), 'ban');
      expectOk(await bob.call('group_unban', ['#lab', 'eve']), 'unban');
      expectOk(await bob.call('delete_group', ['#lab']), 'delete');
      let entries: AuditEntry[] = [];
      await pollUntil(async () => {
        entries = (await auditEntries(server.dataDir)).filter((e) => e.actor !== '(cli)');
        return entries.length >= 5;
      }, 5_000);
      expect(entries.map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
        ['eve', 'group_kick', 'bob', 'forbidden', '#lab'],
        ['bob', 'group_role', 'eve', 'ok', '#lab moderator'],
        ['bob', 'group_ban', 'eve', 'ok', '#lab'],
        ['bob', 'group_unban', 'eve', 'ok', '#lab'],
        ['bob', 'delete_group', '#lab', 'ok', null],
      ]);
      await server.stop();
    });

    it('records a lock, the unlock, and a shutdown by signal', async () => {
      const server = await startServer({
        users: [BOB],
        config: { login: { lock_after: 3, ip_failures: 1_000 } },
      });
      for (let i = 0; i < 3; i++) {
        const c = await connectClient(wire.endpoint(server));
        expect(codeOf(await c.call('veus', ['bob', 'wrong password here']))).toBe(
          'invalid_credentials',
        );
        c.destroy();
      }
      const c = await connectClient(wire.endpoint(server));
      expect(codeOf(await c.call('veus', ['bob', BOB.password]))).toBe('forbidden');
      await pollUntil(
        async () => (await auditEntries(server.dataDir)).some((e) => e.action === 'account_locked'),
        5_000,
      );
      const unlock = await runCli(['user', 'unlock', 'bob', '--data-dir', server.dataDir]);
      expect(unlock.code).toBe(0);
      expectOk(await c.call('veus', ['bob', BOB.password]), 'veus after unlock');
      expect(await server.stop()).toEqual({ code: 0, signal: null });

      const entries = (await auditEntries(server.dataDir)).filter((e) => e.action !== 'user_add');
      expect(entries.map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
        [null, 'account_locked', 'bob', 'ok'],
        ['(cli)', 'unlock', 'bob', 'ok'],
        [null, 'shutdown', null, 'ok'],
      ]);
      expect(entries[0]?.address).toBe('127.0.0.1');
      expect(entries[2]?.detail).toBe('SIGTERM');
    });
  });
}
