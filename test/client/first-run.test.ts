// What a new user meets at the prompt (issue 10): registration that keeps its answers, codes
// typed again, unknown words answered locally, raw JSON as typed, notices in the right order.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, type ServerHandle, startServer } from '../protocol/harness.ts';
import { pollUntil } from '../protocol/util.ts';
import { cleanupClients, PtyClient } from './pty.ts';

afterEach(cleanupClients);
afterAll(cleanup);

const PASSWORD = 'Tq7!long-pass-XY';

let server: ServerHandle;
beforeAll(async () => {
  server = await startServer({
    users: [{ username: 'dave', email: 'dave@example.com', password: PASSWORD }],
  });
});

/** A client at the prompt, connected to `port` (not logged in). */
async function connected(port: number): Promise<PtyClient> {
  const c = new PtyClient();
  await c.waitCursorLine('super> ');
  await c.run(`connect 127.0.0.1:${port}`, 'now login or register');
  await c.waitCursorLine(`127.0.0.1:${port}> `);
  return c;
}

/** A client logged in as dave. */
async function dave(): Promise<PtyClient> {
  const c = await connected(server.port);
  await c.run('login dave', 'password: ');
  await c.run(PASSWORD, 'logged in as dave');
  await c.waitCursorLine(`dave@127.0.0.1:${server.port}> `);
  return c;
}

/** The code of the last mail in the server's development outbox. */
async function lastCode(srv: ServerHandle): Promise<string> {
  const outbox = path.join(srv.dataDir, 'dev-outbox.jsonl');
  await pollUntil(async () => fs.existsSync(outbox), 5_000);
  const mail = JSON.parse(fs.readFileSync(outbox, 'utf8').trim().split('\n').at(-1) ?? '{}');
  return /\b(\d{6})\b/.exec(String(mail.text))?.[1] ?? 'no code in the outbox';
}

describe('registration', () => {
  it('checks answers locally and, on weak_password, asks again for the password only', async () => {
    const c = await connected(server.port);
    await c.run('register', 'username: ');
    await c.run('a b', 'error: a username is 3-32 characters of A-Z a-z 0-9 _ . - (no spaces)');
    await c.waitCursorLine('username: ');
    await c.run('carl_reg', 'password (8-128 characters, not shown): ');
    await c.run('short', 'error: the password must be at least 8 characters (it has 5)');
    await c.waitCursorLine('password (8-128 characters, not shown): ');
    // Long enough, but it contains the username: only the server knows that rule.
    await c.run('carl_reg-4711-xyz', 'repeat it: ');
    await c.run('carl_reg-4711-xyz', 'email: ');
    await c.run('not-an-email', 'error: that is not an email address');
    await c.run('carl_reg@example.com', 'phone (optional');
    const mark = c.plain().length;
    c.type('\r');
    await c.waitOutput(
      'error: password too weak: password must not contain your username (weak_password)',
      mark,
    );
    await c.waitCursorLine('password (8-128 characters, not shown): ');
    const asked = c.plain().slice(mark);
    expect(asked).not.toContain('username: ');
    expect(asked).not.toContain('email: ');
    await c.run(PASSWORD, 'repeat it: ');
    await c.run(PASSWORD, /registered and logged in as carl_reg \(#\d{5}, basic\)/);
    expect(c.raw).not.toContain('carl_reg-4711-xyz');
    expect(c.raw).not.toContain(PASSWORD);
  });

  it('lets a mistyped code be typed again, and says where the code is', async () => {
    const srv = await startServer({ config: { accounts: { require_email_confirmation: true } } });
    const c = await connected(srv.port);
    await c.run('register erin_conf', 'password (8-128');
    await c.run(PASSWORD, 'repeat it: ');
    await c.run(PASSWORD, 'email: ');
    await c.run('erin_conf@example.com', 'phone (optional');
    await c.run(
      '',
      'a 6-digit code was emailed to erin_conf@example.com (on a development server: the last line of data/dev-outbox.jsonl)',
    );
    await c.waitCursorLine('code from the email: ');
    const code = await lastCode(srv);
    await c.run('12ab', 'error: the code is the 6 digits from the email');
    const wrong = code === '000000' ? '000001' : '000000';
    await c.run(
      wrong,
      'error: wrong or expired confirmation code (invalid_credentials); 4 tries left',
    );
    await c.waitCursorLine('code from the email: ');
    await c.run(code, /registered and logged in as erin_conf \(#\d{5}, basic\)/);
    await c.waitCursorLine(`erin_conf@127.0.0.1:${srv.port}> `);
  });

  it('stops after the 5 wrong codes the server allows, and says so', async () => {
    const srv = await startServer({ config: { accounts: { require_email_confirmation: true } } });
    const c = await connected(srv.port);
    await c.run('register gus_conf', 'password (8-128');
    await c.run(PASSWORD, 'repeat it: ');
    await c.run(PASSWORD, 'email: ');
    await c.run('gus_conf@example.com', 'phone (optional');
    await c.run('', 'code from the email: ');
    const code = await lastCode(srv);
    const wrong = code === '000000' ? '000001' : '000000';
    for (const left of ['4 tries', '3 tries', '2 tries', '1 try']) {
      await c.run(wrong, `(invalid_credentials); ${left} left`);
    }
    await c.run(
      wrong,
      'error: wrong or expired confirmation code (invalid_credentials); no tries left',
    );
    await c.waitCursorLine(`127.0.0.1:${srv.port}> `);
  });

  it('finishes a registration later with confirm, on a new connection', async () => {
    const srv = await startServer({ config: { accounts: { require_email_confirmation: true } } });
    const c = await connected(srv.port);
    await c.run('register fay_conf', 'password (8-128');
    await c.run(PASSWORD, 'repeat it: ');
    await c.run(PASSWORD, 'email: ');
    await c.run('fay_conf@example.com', 'phone (optional');
    await c.run('', 'code from the email: ');
    await c.run('', 'error: not confirmed yet; type confirm fay_conf to enter the code');
    await c.run('exit', 'disconnected from');
    await c.run(`connect 127.0.0.1:${srv.port}`, 'now login or register');
    await c.run('confirm fay_conf', 'code from the email: ');
    await c.run(await lastCode(srv), /registered and logged in as fay_conf/);
  });
});

describe('commands', () => {
  it('answers unknown words locally (no disconnect), and takes /commands', async () => {
    const c = await dave();
    for (let i = 0; i < 12; i++) {
      await c.run(i % 2 ? 'clear' : '/frob', /error: unknown command: (clear|\/frob) \(try help\)/);
    }
    // Twelve typos, and the server has seen none of them: still logged in.
    await c.run('/who', /1 online\n\s+#\d{5}\s+dave/);
    await c.run('/help', 'Commands:');
    await c.run('help clear', 'unknown command: clear');
    c.type('/quit\r');
    expect(await c.waitExit()).toBe(0);
  });

  it('sends the JSON of raw exactly as typed', async () => {
    const c = await dave();
    await c.run('raw who [10,"a"]', /"users":\[\{"id":"\d{5}","username":"dave"\}\]/);
    await c.run(
      'raw message_user ["dave","x"]',
      /\{"id":"[^"]+","conv":"dm:(\d{5}):\1","seq":\d+,"delivered":(true|false)\}/,
    );
    // A note to self is stored, not pushed back to the session that sent it.
    await c.run('history @dave 1', /#\d+ \[[^\]]+\] dave: x$/m);
    await c.run('raw who [10,a]', 'error: inputs must be a JSON array');
  });

  it('prints the third wrong password before the disconnect it caused', async () => {
    const c = await connected(server.port);
    for (let i = 1; i <= 2; i++) {
      await c.run('login dave', 'password: ');
      await c.run(`wrong-password-${i}`, 'error: wrong username or password');
    }
    await c.run('login dave', 'password: ');
    const mark = c.plain().length;
    c.type('wrong-password-3\r');
    const notice = '* disconnected by the server: too many failed logins (too_many_login_attempts)';
    await c.waitOutput(notice, mark);
    const after = c.plain().slice(mark);
    const error = after.indexOf('error: wrong username or password (invalid_credentials)');
    expect(error, c.describe()).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThan(after.indexOf(notice));
    await c.waitCursorLine('super> ');
  });
});
