// Admin actions through the SDK: kick, permission_changed and kill_server arrive as events.
// The tests share one server; the last one stops it.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ClientEvent } from '../../src/client/index.ts';
import { cleanup, useServer, waitExit } from '../protocol/harness.ts';
import {
  closeAllSdk,
  connectSdk,
  loginSdk,
  nextEvent,
  PASS,
  registerSdk,
  within,
} from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

const root = { username: 'root', email: 'root@example.com', password: PASS, level: 'admin' };

describe('sdk admin events', () => {
  const server = useServer({ users: [root] });

  it('kick: the user gets disconnect {kicked}, then close with that reason', async () => {
    const admin = await loginSdk(server().port, 'root', PASS);
    expect(admin).toMatchObject({ username: 'root', level: 'admin' });
    const { name, client } = await registerSdk(server().port, 'sdk_kicked');
    const disconnect = nextEvent(client, 'disconnect');
    const closed = nextEvent(client, 'close');
    expect(await admin.kick(name)).toEqual({ username: name, sessions: 1 });
    expect(await disconnect).toEqual({ reason: 'kicked' });
    expect(await closed).toMatchObject({ reason: 'kicked' });
    expect(client.isConnected).toBe(false);
    expect((await admin.who()).users.map((u) => u.username)).not.toContain(name);
    admin.close();
  });

  it('change_permission_level: the user gets permission_changed and its level follows', async () => {
    const admin = await loginSdk(server().port, 'root', PASS);
    const { name, client } = await registerSdk(server().port, 'sdk_promoted');
    const changed = nextEvent(client, 'permission_changed');
    expect(await admin.changePermissionLevel(name, 'admin')).toEqual({
      username: name,
      level: 'admin',
    });
    expect(await changed).toEqual({ level: 'admin', by: 'root' });
    expect(client.level).toBe('admin');
    expect(await client.getPermissionLevel()).toBe('admin');
    admin.close();
  });

  it('auditLog: the audit log newest first, paged by its cursor down to the first entry', async () => {
    const admin = await loginSdk(server().port, 'root', PASS);
    const first = await admin.auditLog({ limit: 1 });
    expect(first.entries).toHaveLength(1);
    expect(typeof first.next).toBe('string');
    const rest = await admin.auditLog({ before: first.next ?? undefined, limit: 200 });
    expect(rest.next).toBeNull();
    expect(rest.entries.at(-1)).toMatchObject({
      actor: '(cli)',
      action: 'user_add',
      target: 'root',
    });
    const all = [...first.entries, ...rest.entries];
    expect(all.map((e) => e.action)).toEqual(expect.arrayContaining(['kick', 'user_add']));
    expect(new Set(all.map((e) => JSON.stringify(e))).size).toBe(all.length);
    admin.close();
  });

  // Last: it stops the shared server.
  it('kill_server: every client gets shutdown, then close with reason shutdown', async () => {
    const srv = server();
    const admin = await loginSdk(srv.port, 'root', PASS);
    const basic = (await registerSdk(srv.port, 'sdk_bystander')).client;
    const anon = await connectSdk(srv.port);
    const clients = [admin, basic, anon];
    const logs = clients.map((c) => {
      const log: string[] = [];
      c.on('shutdown', (s) => log.push(`shutdown:${s.reason}:${s.by}`));
      c.on('close', (info) => log.push(`close:${info.reason}`));
      return log;
    });
    const streamed: ClientEvent[] = [];
    const consumer = (async () => {
      for await (const ev of basic.events()) streamed.push(ev);
    })();
    const closes = clients.map((c) => nextEvent(c, 'close'));
    expect(await admin.killServer('maintenance')).toBe('shutting down');
    await within(Promise.all(closes), 5000, 'every close');
    for (const log of logs) expect(log).toEqual(['shutdown:maintenance:root', 'close:shutdown']);
    await within(consumer, 1000, 'the event iterator to end');
    // A login's `synced` may arrive on either side of the iterator's start.
    expect(streamed.map((e) => e.event).filter((e) => e !== 'synced')).toEqual([
      'shutdown',
      'close',
    ]);
    expect((await waitExit(srv, 5000)).code).toBe(0);
  });
});
