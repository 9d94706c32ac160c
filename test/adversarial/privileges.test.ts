// Privilege abuse: a basic user trying admin actions, and an admin who keeps
// trying after being demoted.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient, registerClient } from '../protocol/client.ts';
import { cleanup, runCli } from '../protocol/harness.ts';
import { codeOf, emailFor, PASSWORD, pollUntil, uniqueName } from '../protocol/util.ts';
import { expectBoundedMemory, MemoryWatch } from './measure.ts';
import { assertControlStillWorks, CONTROL, itSurvives, onlineUsers, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const BOSS = { username: 'boss', email: 'boss@example.com', password: PASSWORD, level: 'admin' };

describe('privilege abuse', () => {
  const arena = useArena({ users: [BOSS] });
  const port = () => arena().port;

  it("refuses a basic user's admin actions with forbidden and changes nothing", async () => {
    const mem = new MemoryWatch(arena().pid);
    const boss = await loginClient(port(), BOSS.username, PASSWORD);
    const name = uniqueName('pleb');
    const pleb = await registerClient(port(), name, PASSWORD, emailFor(name));
    const attempts: Array<[string, unknown[]]> = [
      ['change_permission_level', [name, 'admin']],
      ['change_permission_level', [BOSS.username, 'basic']],
      ['change_permission_level', [CONTROL[1], 'admin']],
      ['kill_server', ['bye']],
      ['kill_server', []],
      ['kick', [CONTROL[1]]],
      ['kick', [BOSS.username]],
      ['kick', [name]],
      ['ban', [CONTROL[1]]],
      ['ban', [BOSS.username, 'coup']],
      ['unban', [name]],
      // Reading the audit log: refused before the inputs are even looked at.
      ['audit_log', []],
      ['audit_log', [null, 200, '2000-01-01T00:00:00Z']],
      ['audit_log', ['not-a-cursor', -1, 'bad']],
    ];
    for (const [action, data] of attempts) {
      expect(codeOf(await pleb.call(action, data)), `${action} ${JSON.stringify(data)}`).toBe(
        'forbidden',
      );
    }
    const read = await pleb.call('audit_log', []);
    expect(read.data, 'a refused audit_log carries no entries').toBeUndefined();
    // The admin's token on the basic user's connection gets nothing either.
    expect(codeOf(await pleb.request('kill_server', ['x'], boss.token))).toBe('invalid_token');
    // Nothing changed: levels, sessions, the server.
    expect(await pleb.call('get_permission_level')).toMatchObject({ ok: true, data: 'basic' });
    expect(await boss.call('get_permission_level')).toMatchObject({ ok: true, data: 'admin' });
    expect(await arena().bob.call('get_permission_level')).toMatchObject({ data: 'basic' });
    expect((await onlineUsers(arena().alice)).names).toEqual(
      expect.arrayContaining([BOSS.username, name, ...CONTROL]),
    );
    for (const c of [arena().alice, arena().bob, boss, pleb]) {
      expect(c.received.filter((f) => f.event === 'disconnect' || f.event === 'shutdown')).toEqual(
        [],
      );
      expect(c.received.filter((f) => f.event === 'permission_changed')).toEqual([]);
    }
    // Every refused attempt is in the audit table, with who, what, target and address.
    const audited = async () => {
      const r = await runCli(['audit', '--json', '--data-dir', arena().server.dataDir]);
      return r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((e) => e.actor === name);
    };
    await pollUntil(async () => (await audited()).length >= attempts.length + 1, 20_000);
    const entries = await audited();
    expect(entries.map((e) => [e.action, e.outcome, e.address])).toEqual(
      [...attempts, ['audit_log']].map(([action]) => [action, 'forbidden', '127.0.0.1']),
    );
    expect(entries.filter((e) => e.action === 'kick').map((e) => e.target)).toEqual([
      CONTROL[1],
      BOSS.username,
      name,
    ]);
    expectBoundedMemory(mem, 'basic user admin actions');
    await assertControlStillWorks(arena());
  });

  it('a demoted admin loses its rights at once', async () => {
    const mem = new MemoryWatch(arena().pid);
    const boss = await loginClient(port(), BOSS.username, PASSWORD);
    const name = uniqueName('deputy');
    const deputy = await registerClient(port(), name, PASSWORD, emailFor(name));
    expect(await boss.call('change_permission_level', [name, 'admin'])).toMatchObject({
      ok: true,
      data: { username: name, level: 'admin' },
    });
    expect((await deputy.nextEvent('permission_changed')).data).toEqual({
      level: 'admin',
      by: BOSS.username,
    });
    expect(await deputy.call('get_permission_level')).toMatchObject({ data: 'admin' });
    expect(codeOf(await deputy.call('audit_log', [null, 1]))).toBe('OK');

    expect(codeOf(await boss.call('change_permission_level', [name, 'basic']))).toBe('OK');
    // The very next requests, pipelined before the event is even read, are refused.
    const after = await Promise.all([
      deputy.call('kill_server', ['coup']),
      deputy.call('kick', [CONTROL[1]]),
      deputy.call('kick', [BOSS.username]),
      deputy.call('change_permission_level', [BOSS.username, 'basic']),
      deputy.call('change_permission_level', [name, 'admin']),
      deputy.call('audit_log', []),
    ]);
    expect(after.map(codeOf)).toEqual(Array(6).fill('forbidden'));
    const events = deputy.received.filter((f) => f.event === 'permission_changed');
    expect(events.map((f) => f.data)).toEqual([
      { level: 'admin', by: BOSS.username },
      { level: 'basic', by: BOSS.username },
    ]);
    expect(await deputy.call('get_permission_level')).toMatchObject({ data: 'basic' });
    expect(await boss.call('get_permission_level')).toMatchObject({ data: 'admin' });
    expect((await onlineUsers(arena().alice)).names).toEqual(
      expect.arrayContaining([BOSS.username, name, ...CONTROL]),
    );
    // A fresh login keeps the demotion (it was stored, not just applied to the session).
    deputy.destroy();
    await deputy.waitClosed();
    const again = await loginClient(port(), name, PASSWORD);
    expect(await again.call('get_permission_level')).toMatchObject({ data: 'basic' });
    expect(codeOf(await again.call('kill_server', ['coup']))).toBe('forbidden');
    expectBoundedMemory(mem, 'demoted admin');
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});
