// Managing an account over the wire: change and reset a password, delete an
// account, server-wide bans, user_info, and several sessions per user.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from './client.ts';
import { cleanup, runCli, startServer, useServer } from './harness.ts';
import { codeOf, emailFor, expectOk, PASSWORD, pollUntil, sleep, uniqueName } from './util.ts';

afterAll(cleanup);

const ROOT = {
  username: 'root',
  email: 'root@example.com',
  password: 'Tq7!chief-pass',
  level: 'admin',
};
const NEW_PASSWORD = 'violet-meadow-thunder';

async function connected(port: number): Promise<TestClient> {
  const c = new TestClient();
  await c.connect(port);
  return c;
}

async function loggedIn(port: number, username: string, password = PASSWORD): Promise<TestClient> {
  const c = await connected(port);
  await c.login(username, password);
  return c;
}

async function registered(port: number, prefix: string): Promise<{ name: string; c: TestClient }> {
  const name = uniqueName(prefix);
  const c = await connected(port);
  await c.register(name, PASSWORD, emailFor(name));
  return { name, c };
}

/** The reply to a login attempt on a fresh connection. */
async function tryLogin(port: number, username: string, password: string) {
  const c = await connected(port);
  const r = await c.call('veus', [username, password]);
  c.destroy();
  return r;
}

/** Everything the server wrote to the outbox for `email`, oldest first. */
function mailsTo(dataDir: string, email: string): Array<{ to: string; text: string }> {
  const file = path.join(dataDir, 'dev-outbox.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((m) => m.to === email);
}

async function resetCode(dataDir: string, email: string, count: number): Promise<string> {
  const arrived = await pollUntil(async () => mailsTo(dataDir, email).length >= count, 3_000);
  if (!arrived) throw new Error(`no reset mail to ${email}`);
  const text = mailsTo(dataDir, email).at(-1)?.text ?? '';
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!code || !text.includes('reset')) throw new Error(`no reset code in ${text}`);
  return code;
}

/** A reply without its tag: what must not differ between two answers. */
function untagged(frame: { tag?: unknown }) {
  const { tag: _tag, ...rest } = frame;
  return rest;
}

describe('change_password', () => {
  const server = useServer();

  it('needs the old password and a good new one, then ends the other sessions only', async () => {
    const { name, c: first } = await registered(server().port, 'chpw');
    // Two devices: the server is started with one session per user, so the second is refused.
    expect(codeOf(await first.call('change_password', ['wrong-old-password', NEW_PASSWORD]))).toBe(
      'invalid_credentials',
    );
    expect(codeOf(await first.call('change_password', [PASSWORD, 'short']))).toBe('weak_password');
    expect(codeOf(await first.call('change_password', [PASSWORD, `${name}1234`]))).toBe(
      'weak_password',
    );
    expect(codeOf(await first.call('change_password', [PASSWORD]))).toBe('invalid_input');
    const ok = expectOk(await first.call('change_password', [PASSWORD, NEW_PASSWORD]), 'change');
    expect(ok.data).toBe('changed');
    // This session goes on.
    expect(codeOf(await first.call('ping'))).toBe('OK');
    expect(codeOf(await tryLogin(server().port, name, PASSWORD))).toBe('invalid_credentials');
    expect(codeOf(await tryLogin(server().port, name, NEW_PASSWORD))).toBe('OK');
    expect(JSON.stringify(first.received)).not.toContain(NEW_PASSWORD);
  });

  it('counts wrong old passwords like failed logins: the third ends the connection', async () => {
    const { c } = await registered(server().port, 'chpw3');
    for (let i = 1; i <= 3; i++) {
      const r = await c.call('change_password', [`wrong-${i}-password`, NEW_PASSWORD]);
      expect(codeOf(r)).toBe('invalid_credentials');
    }
    const notice = await c.nextEvent('disconnect');
    expect(notice.data).toEqual({ reason: 'too_many_login_attempts' });
    await c.waitClosed();
  });
});

describe('change_password with two sessions of one user', () => {
  const server = useServer({ config: { session: { sessions_per_user: 2 } } });

  it('sends the other session disconnect {reason: password_changed}', async () => {
    const { name, c: first } = await registered(server().port, 'twodev');
    const second = await loggedIn(server().port, name);
    expectOk(await first.call('change_password', [PASSWORD, NEW_PASSWORD]), 'change');
    const notice = await second.nextEvent('disconnect');
    expect(notice.data).toEqual({ reason: 'password_changed' });
    await second.waitClosed();
    expect(codeOf(await first.call('ping'))).toBe('OK');
    expect(first.received.some((f) => f.event === 'disconnect')).toBe(false);
  });
});

describe('reset_password', () => {
  const server = useServer({ config: { login: { backoff_after: 2, lock_after: 3 } } });

  it('answers the same "sent" whether or not the account exists, and mails only a real one', async () => {
    const { name } = await registered(server().port, 'forgot');
    const c = await connected(server().port);
    const real = await c.call('reset_password', [name]);
    const byEmail = await c.call('reset_password', [emailFor(name).toUpperCase()]);
    const ghost = await c.call('reset_password', [uniqueName('ghost')]);
    const ghostEmail = await c.call('reset_password', ['nobody-here@example.com']);
    expect(real.data).toBe('sent');
    for (const other of [byEmail, ghost, ghostEmail])
      expect(untagged(other)).toEqual(untagged(real));
    await resetCode(server().dataDir, emailFor(name), 2);
    await sleep(200);
    expect(mailsTo(server().dataDir, 'nobody-here@example.com')).toEqual([]);
    expect(codeOf(await c.call('reset_password', ['a b']))).toBe('invalid_input');
  });

  it('sets the new password with the code, once, ends live sessions and clears a lock', async () => {
    const { name, c: live } = await registered(server().port, 'reset');
    // Lock the account with wrong passwords first.
    for (let i = 0; i < 3; i++) {
      await tryLogin(server().port, name, `wrong-${i}-password`);
      await sleep(1_100);
    }
    expect(codeOf(await tryLogin(server().port, name, PASSWORD))).not.toBe('OK');

    const c = await connected(server().port);
    expectOk(await c.call('reset_password', [name]), 'reset_password');
    const code = await resetCode(server().dataDir, emailFor(name), 1);
    const wrong = code === '000000' ? '000001' : '000000';
    const refused = await c.call('reset_password_confirm', [name, wrong, NEW_PASSWORD]);
    const ghost = await c.call('reset_password_confirm', [uniqueName('ghost'), code, NEW_PASSWORD]);
    expect(codeOf(refused)).toBe('invalid_credentials');
    expect(untagged(ghost)).toEqual(untagged(refused));
    // A weak password is refused, and the code stays valid.
    expect(codeOf(await c.call('reset_password_confirm', [name, code, 'short']))).toBe(
      'weak_password',
    );
    const ok = expectOk(
      await c.call('reset_password_confirm', [name, code, NEW_PASSWORD]),
      'confirm',
    );
    expect(ok.data).toBe('reset');
    expect((await live.nextEvent('disconnect')).data).toEqual({ reason: 'password_changed' });
    // The reset does not log this connection in.
    expect(codeOf(await c.call('set_user'))).toBe('not_logged_in');
    // The code is used up; the lock is gone; only the new password works.
    const again = await connected(server().port);
    expect(
      codeOf(await again.call('reset_password_confirm', [name, code, 'another-new-secret'])),
    ).toBe('invalid_credentials');
    expect(codeOf(await tryLogin(server().port, name, PASSWORD))).toBe('invalid_credentials');
    expect(codeOf(await tryLogin(server().port, name, NEW_PASSWORD))).toBe('OK');
  });

  it('gives a code five tries', async () => {
    const { name } = await registered(server().port, 'tries');
    const c = await connected(server().port);
    expectOk(await c.call('reset_password', [name]), 'reset_password');
    const code = await resetCode(server().dataDir, emailFor(name), 1);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      const conn = await connected(server().port);
      expect(codeOf(await conn.call('reset_password_confirm', [name, wrong, NEW_PASSWORD]))).toBe(
        'invalid_credentials',
      );
      conn.destroy();
    }
    expect(codeOf(await c.call('reset_password_confirm', [name, code, NEW_PASSWORD]))).toBe(
      'invalid_credentials',
    );
  });
});

describe('reset_password limits', () => {
  const server = useServer({
    config: { limits: { exempt_cidrs: [] }, accounts: { resets_per_ip: 2, resets_per_account: 1 } },
  });

  it('limits requests per address whatever the name, and mails an account at most its share', async () => {
    const { name } = await registered(server().port, 'limit');
    const c = await connected(server().port);
    expect(codeOf(await c.call('reset_password', [name]))).toBe('OK');
    expect(codeOf(await c.call('reset_password', [name]))).toBe('OK');
    const third = await c.call('reset_password', [uniqueName('ghost')]);
    expect(codeOf(third)).toBe('rate_limited');
    expect(third.error?.retry_after_ms).toBeGreaterThan(0);
    await sleep(300);
    expect(mailsTo(server().dataDir, emailFor(name))).toHaveLength(1);
  });
});

describe('delete_account', () => {
  const server = useServer({ users: [ROOT] });

  it('needs the password, ends every session, erases the account and holds the name', async () => {
    const { name, c } = await registered(server().port, 'leaver');
    expect(codeOf(await c.call('delete_account', ['not-my-password']))).toBe('invalid_credentials');
    const ok = expectOk(await c.call('delete_account', [PASSWORD]), 'delete_account');
    expect(ok.data).toBe('deleted');
    expect((await c.nextEvent('disconnect')).data).toEqual({ reason: 'account_deleted' });
    await c.waitClosed();
    expect(codeOf(await tryLogin(server().port, name, PASSWORD))).toBe('invalid_credentials');
    // The name stays reserved; the email is free at once.
    const again = await connected(server().port);
    expect(codeOf(await again.call('create_user', [name, PASSWORD, 'other@example.com']))).toBe(
      'username_taken',
    );
    const other = uniqueName('newcomer');
    expect(codeOf(await again.call('create_user', [other, PASSWORD, emailFor(name)]))).toBe('OK');
    const root = await loggedIn(server().port, ROOT.username, ROOT.password);
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
    const root = await loggedIn(server().port, ROOT.username, ROOT.password);
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
    const { name, c } = await registered(server().port, 'troll');
    const root = await loggedIn(server().port, ROOT.username, ROOT.password);
    const ban = expectOk(await root.call('ban', [name.toUpperCase(), 'spamming #global']), 'ban');
    expect(ban.data).toEqual({ username: name, banned: true });
    expect((await c.nextEvent('disconnect')).data).toEqual({ reason: 'banned' });
    await c.waitClosed();
    const refused = await tryLogin(server().port, name, PASSWORD);
    expect(codeOf(refused)).toBe('forbidden');
    expect(refused.error?.message).toBe('this account is banned');
    // A wrong password still says only that it is wrong.
    expect(codeOf(await tryLogin(server().port, name, 'wrong-password-x'))).toBe(
      'invalid_credentials',
    );
    const info = expectOk(await root.call('user_info', [name]), 'user_info');
    expect(info.data).toMatchObject({ banned: true, ban_reason: 'spamming #global' });
    expect(expectOk(await root.call('unban', [name]), 'unban').data).toEqual({
      username: name,
      banned: false,
    });
    expect(codeOf(await tryLogin(server().port, name, PASSWORD))).toBe('OK');
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
    const { name, c } = await registered(server().port, 'meek');
    const root = await loggedIn(server().port, ROOT.username, ROOT.password);
    expect(codeOf(await c.call('ban', [ROOT.username]))).toBe('forbidden');
    expect(codeOf(await root.call('ban', [DEPUTY.username]))).toBe('forbidden');
    expect(codeOf(await root.call('ban', [ROOT.username]))).toBe('forbidden');
    expect(codeOf(await root.call('ban', [uniqueName('ghost')]))).toBe('not_found');
    expect(codeOf(await root.call('ban', []))).toBe('invalid_input');
    expect(codeOf(await c.call('ping'))).toBe('OK');
    expect(codeOf(await tryLogin(server().port, DEPUTY.username, DEPUTY.password))).toBe('OK');
    expect(name).toBeTruthy();
  });
});

describe('user_info', () => {
  const server = useServer({ users: [ROOT] });

  it('tells who a user is; email and phone only to themselves and admins', async () => {
    const { name: alice, c: a } = await registered(server().port, 'alice');
    const { name: bob } = await registered(server().port, 'bob');
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
    const root = await loggedIn(server().port, ROOT.username, ROOT.password);
    const seen = expectOk(await root.call('user_info', [bob]), 'user_info');
    expect(seen.data).toMatchObject({ email: emailFor(bob), banned: false });
    expect(JSON.stringify(seen.data)).not.toContain('argon2');
    expect(codeOf(await a.call('user_info', [uniqueName('ghost')]))).toBe('not_found');
  });
});

describe('several sessions per user', () => {
  const server = useServer({ config: { session: { sessions_per_user: 2 } } });

  it('delivers to every session and refuses one beyond the cap', async () => {
    const { name, c: one } = await registered(server().port, 'multi');
    const two = await loggedIn(server().port, name);
    const third = await connected(server().port);
    expectOk(await third.call('veus', [name, PASSWORD]), 'veus');
    expect(codeOf(await third.call('set_user'))).toBe('already_logged_in');
    const { c: sender } = await registered(server().port, 'sender');
    expectOk(await sender.call('message_user', [name, 'to both']), 'message_user');
    expect((await one.nextEvent('message')).data.text).toBe('to both');
    expect((await two.nextEvent('message')).data.text).toBe('to both');
    const who = expectOk(await one.call('who'), 'who');
    expect(who.data.users.filter((u: { username: string }) => u.username === name)).toHaveLength(1);
  });
});

describe('session.on_conflict: replace', () => {
  const server = useServer({ config: { session: { on_conflict: 'replace' } } });

  it('ends the oldest session with session_replaced and lets the new login in', async () => {
    const { name, c: old } = await registered(server().port, 'mover');
    const fresh = await loggedIn(server().port, name);
    expect((await old.nextEvent('disconnect')).data).toEqual({ reason: 'session_replaced' });
    await old.waitClosed();
    expect(codeOf(await fresh.call('ping'))).toBe('OK');
  });
});

describe('operator commands', () => {
  it('user delete, ban and unban work on the database and protect the last admin', async () => {
    const server = await startServer({ users: [ROOT] });
    const { name } = await registered(server.port, 'cli');
    const dir = ['--data-dir', server.dataDir];
    const ban = await runCli(['user', 'ban', name, '--reason', 'abuse', ...dir]);
    expect(ban.code).toBe(0);
    expect(ban.stdout).toContain(`${name} banned`);
    expect(codeOf(await tryLogin(server.port, name, PASSWORD))).toBe('forbidden');
    expect((await runCli(['user', 'unban', name, ...dir])).code).toBe(0);
    expect(codeOf(await tryLogin(server.port, name, PASSWORD))).toBe('OK');
    const lastAdmin = await runCli(['user', 'delete', ROOT.username, ...dir]);
    expect(lastAdmin.code).not.toBe(0);
    expect(lastAdmin.stderr).toContain('last admin');
    expect((await runCli(['user', 'ban', ROOT.username, ...dir])).stderr).toContain('last admin');
    const del = await runCli(['user', 'delete', name, ...dir]);
    expect(del.code).toBe(0);
    expect(codeOf(await tryLogin(server.port, name, PASSWORD))).toBe('invalid_credentials');
    expect((await runCli(['user', 'delete', 'nobody-at-all', ...dir])).stderr).toContain('no user');
    const audit = await runCli(['audit', '--json', ...dir]);
    const actions = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.actor === '(cli)' && e.target === name)
      .map((e) => e.action);
    expect(actions).toEqual(['ban', 'unban', 'account_deleted']);
  });
});
