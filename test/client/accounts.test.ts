// The account commands at the prompt, in a pseudo-terminal against the real server: passwd,
// forgot (the code read from the development outbox), delete-account, ban/unban, whois.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/index.ts';
import { cleanup, type SeedUser, type ServerHandle, startServer } from '../protocol/harness.ts';
import { pollUntil } from '../protocol/util.ts';
import { cleanupClients, PtyClient } from './pty.ts';

const PASSWORD = 'Tq7!long-pass-XY';
const NEW_PASSWORD = 'Vr8#another-long-one';
const seed = (username: string, level?: string): SeedUser => ({
  username,
  email: `${username}@example.com`,
  password: PASSWORD,
  level,
});

const sdk: Client[] = [];
afterEach(() => {
  for (const c of sdk.splice(0)) c.close();
  cleanupClients();
});
afterAll(cleanup);

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer({
    config: { session: { sessions_per_user: 2 } },
    users: [
      seed('alice', 'admin'),
      seed('pat'),
      seed('rita'),
      seed('del'),
      seed('bert'),
      seed('nina'),
    ],
  });
});

const prompt = (user: string) => `${user}@127.0.0.1:${server.port}> `;

/** A client at the prompt, connected (not logged in). */
async function connected(): Promise<PtyClient> {
  const c = new PtyClient();
  await c.waitCursorLine('super> ');
  await c.run(`connect 127.0.0.1:${server.port}`, 'now login or register');
  await c.waitCursorLine(`127.0.0.1:${server.port}> `);
  return c;
}

/** A client logged in as `user`. */
async function loggedIn(user: string, password = PASSWORD): Promise<PtyClient> {
  const c = await connected();
  await c.run(`login ${user}`, 'password: ');
  await c.run(password, `logged in as ${user}`);
  await c.waitCursorLine(prompt(user));
  return c;
}

/** An SDK session of `user`, to watch what the prompt's commands do to other sessions. */
async function sdkSession(user: string, password = PASSWORD): Promise<Client> {
  const c = new Client();
  sdk.push(c);
  await c.connect({ host: '127.0.0.1', port: server.port });
  await c.login(user, password);
  return c;
}

/** The code in the last mail to `email` in the server's development outbox. */
async function mailedCode(email: string): Promise<string> {
  const outbox = path.join(server.dataDir, 'dev-outbox.jsonl');
  let code: string | undefined;
  await pollUntil(async () => {
    if (!fs.existsSync(outbox)) return false;
    // Whole lines only: the server may be appending.
    const lines = fs
      .readFileSync(outbox, 'utf8')
      .split('\n')
      .filter((l) => l.endsWith('}'));
    const mail = lines
      .map((l) => JSON.parse(l))
      .filter((m) => m.to === email)
      .at(-1);
    code = /\b(\d{6})\b/.exec(String(mail?.text))?.[1];
    return code !== undefined;
  }, 5_000);
  return code ?? 'no code mailed';
}

describe('passwd', () => {
  it('asks old and new (twice, hidden), checks the length, logs other sessions out', async () => {
    const other = await sdkSession('pat');
    const otherGone = new Promise((resolve) => other.once('disconnect', resolve));
    const c = await loggedIn('pat');
    await c.run('passwd', 'current password: ');
    await c.run(PASSWORD, 'new password (8-128 characters, not shown): ');
    await c.run('tiny', 'error: the password must be at least 8 characters (it has 4)');
    await c.run(NEW_PASSWORD, 'repeat it: ');
    await c.run(NEW_PASSWORD, 'password changed; your other sessions (if any) were logged out');
    expect(await otherGone).toEqual({ reason: 'password_changed' });
    await c.waitCursorLine(prompt('pat'));
    expect(c.raw).not.toContain(NEW_PASSWORD);
    expect(c.raw).not.toContain(PASSWORD);
    await sdkSession('pat', NEW_PASSWORD); // the new one works

    // A wrong current password is refused in words.
    await c.run('passwd', 'current password: ');
    await c.run('not-the-password', 'new password (8-128');
    await c.run(PASSWORD, 'repeat it: ');
    await c.run(PASSWORD, 'error: wrong password (invalid_credentials)');
  });

  it('tells the other session why it ended, in words', async () => {
    const watcher = await loggedIn('bert');
    const other = await sdkSession('bert');
    expect(await other.changePassword(PASSWORD, NEW_PASSWORD)).toBe('changed');
    await watcher.waitScreen(
      '* disconnected by the server: your password was changed in another session; log in with the new one (password_changed)',
    );
    await watcher.waitCursorLine('super> ');
  });
});

describe('forgot', () => {
  it('sends the code, takes it with a new password, and offers to log in', async () => {
    const c = await connected();
    await c.run('forgot', 'username or email: ');
    await c.run('rita@example.com', 'if an account matches, a 6-digit code was emailed');
    await c.waitScreen('(on a development server: the last line of data/dev-outbox.jsonl)');
    await c.waitCursorLine('username: ');
    await c.run('rita', 'new password (8-128 characters, not shown): ');
    await c.run(NEW_PASSWORD, 'repeat it: ');
    await c.run(NEW_PASSWORD, 'code from the email: ');
    const code = await mailedCode('rita@example.com');
    const wrong = code === '000000' ? '000001' : '000000';
    await c.run(wrong, /error: wrong or expired code .*\(invalid_credentials\); 4 tries left/);
    await c.run(code, 'the password of rita is reset');
    await c.run('', /logged in as rita \(#\d{5}, basic\)/);
    await c.waitCursorLine(prompt('rita'));
    expect(c.raw).not.toContain(NEW_PASSWORD);
  });
});

describe('delete-account', () => {
  it('asks the password and the username typed out, then deletes and disconnects', async () => {
    const c = await loggedIn('del');
    await c.run('delete-account', 'password: ');
    await c.run(PASSWORD, 'type your username (del) to delete the account for good: ');
    await c.run('dell', 'error: not deleted: that is not your username');
    await c.waitCursorLine(prompt('del'));
    await c.run('delete-account', 'password: ');
    await c.run(PASSWORD, 'type your username (del)');
    await c.run('del', 'the account del is deleted; disconnected');
    await c.waitCursorLine('super> ');
    expect(c.screen()).not.toContain('connection lost');
    await c.run(`connect 127.0.0.1:${server.port}`, 'now login');
    await c.run('login del', 'password: ');
    await c.run(PASSWORD, 'error: wrong username or password (invalid_credentials)');
  });
});

describe('ban, unban and whois', () => {
  it('bans with a reason (the user sees it in words), whois shows it, unban lifts it', async () => {
    const admin = await loggedIn('alice');
    const user = await loggedIn('nina');
    await user.run('whois alice', /alice \(#\d{5}, admin\)\n\s+online:\s+yes\n\s+since:/);
    expect(user.screen()).not.toContain('alice@example.com');
    await user.run('info nina', 'email:   nina@example.com');

    await user.run('ban alice', 'error: not allowed');
    await admin.run('ban nina too many links', 'nina is banned');
    await user.waitScreen('* disconnected by the server: an admin banned your account (banned)');
    await admin.run(
      'whois nina',
      /online:\s+no[\s\S]*email:\s+nina@example\.com[\s\S]*banned:\s+yes \(too many links\)/,
    );
    await admin.run('unban nina', 'nina is no longer banned');
    await admin.run('/whois nobody_here', 'error: no such user (not_found)');
  });
});

describe('session_replaced', () => {
  it('says in words that another login replaced this session', async () => {
    const srv = await startServer({
      config: { session: { sessions_per_user: 1, on_conflict: 'replace' } },
      users: [seed('sam')],
    });
    const c = new PtyClient();
    await c.waitCursorLine('super> ');
    await c.run(`connect 127.0.0.1:${srv.port}`, 'now login');
    await c.run('login sam', 'password: ');
    await c.run(PASSWORD, 'logged in as sam');
    const other = new Client();
    sdk.push(other);
    await other.connect({ host: '127.0.0.1', port: srv.port });
    await other.login('sam', PASSWORD);
    await c.waitScreen(
      '* disconnected by the server: another login of your account replaced this session (session_replaced)',
    );
    await c.waitCursorLine('super> ');
  });
});
