// The SDK's account actions against the real server: change and reset a password, delete an
// account, ban and unban, user_info; and the disconnect reasons they cause.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerError } from '../../src/client/index.ts';
import { cleanup, type ServerHandle, startServer } from '../protocol/harness.ts';
import { emailFor, pollUntil, uniqueName } from '../protocol/util.ts';
import {
  closeAllSdk,
  connectSdk,
  loginSdk,
  nextEvent,
  PASS,
  registerSdk,
  rejection,
} from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

const NEW_PASS = 'Vr8#another-long-one';
const codeOf = (err: Error) => (err as ServerError).code;

let srv: ServerHandle;
beforeAll(async () => {
  srv = await startServer({
    config: { session: { sessions_per_user: 2 } },
    users: [{ username: 'root_admin', email: 'root@example.com', password: PASS, level: 'admin' }],
  });
});

/** The 6-digit code of the last mail sent to `email`, from the development outbox. */
async function mailedCode(email: string): Promise<string> {
  const outbox = path.join(srv.dataDir, 'dev-outbox.jsonl');
  let code: string | undefined;
  await pollUntil(async () => {
    if (!fs.existsSync(outbox)) return false;
    const mails = fs
      .readFileSync(outbox, 'utf8')
      .split('\n')
      .filter((l) => l.endsWith('}')) // whole lines only: the server may be appending
      .map((l) => JSON.parse(l) as { to?: string; text?: string });
    const mail = mails.filter((m) => m.to === email).at(-1);
    code = /\b(\d{6})\b/.exec(String(mail?.text))?.[1];
    return code !== undefined;
  }, 5_000);
  if (code === undefined) throw new Error(`no code mailed to ${email}`);
  return code;
}

describe('changePassword', () => {
  it('changes it, ends the other session with password_changed, and checks the old one', async () => {
    const { name, client } = await registerSdk(srv.port, 'sdk_pw');
    const other = await loginSdk(srv.port, name, PASS);
    const otherGone = nextEvent(other, 'disconnect');

    expect(codeOf(await rejection(client.changePassword('not-my-password', NEW_PASS)))).toBe(
      'invalid_credentials',
    );
    expect(codeOf(await rejection(client.changePassword(PASS, 'short')))).toBe('weak_password');
    expect(await client.changePassword(PASS, NEW_PASS)).toBe('changed');
    expect(await otherGone).toEqual({ reason: 'password_changed' });
    expect(client.isLoggedIn).toBe(true); // this session stays

    const old = await connectSdk(srv.port);
    expect(codeOf(await rejection(old.login(name, PASS)))).toBe('invalid_credentials');
    const fresh = await loginSdk(srv.port, name, NEW_PASS);
    expect(fresh.username).toBe(name);
  });
});

describe('resetPassword', () => {
  it('always answers "sent", and resets with the mailed code; then login is needed', async () => {
    const { name, client } = await registerSdk(srv.port, 'sdk_reset');
    client.close();
    const c = await connectSdk(srv.port);
    expect(await c.resetPassword(uniqueName('nobody'))).toBe('sent');
    expect(await c.resetPassword(emailFor(name))).toBe('sent');
    const code = await mailedCode(emailFor(name));
    const wrong = code === '000000' ? '000001' : '000000';
    const refused = await rejection(c.resetPasswordConfirm(name, wrong, NEW_PASS));
    expect(codeOf(refused)).toBe('invalid_credentials');
    expect(await c.resetPasswordConfirm(name, code, NEW_PASS)).toBe('reset');
    expect(c.isLoggedIn).toBe(false);
    const account = await c.login(name, NEW_PASS);
    expect(account.username).toBe(name);
  });
});

describe('deleteAccount', () => {
  it('needs the password, then deletes, disconnects with account_deleted and holds the name', async () => {
    const { name, client } = await registerSdk(srv.port, 'sdk_del');
    expect(codeOf(await rejection(client.deleteAccount('not-my-password')))).toBe(
      'invalid_credentials',
    );
    const gone = nextEvent(client, 'disconnect');
    const closed = nextEvent(client, 'close');
    expect(await client.deleteAccount(PASS)).toBe('deleted');
    expect(await gone).toEqual({ reason: 'account_deleted' });
    expect((await closed).reason).toBe('account_deleted');

    const again = await connectSdk(srv.port);
    expect(codeOf(await rejection(again.login(name, PASS)))).toBe('invalid_credentials');
    const reuse = await rejection(again.register(name, PASS, emailFor(uniqueName('x'))));
    expect(codeOf(reuse)).toBe('username_taken');
  });
});

describe('ban, unban and userInfo', () => {
  it('bans (disconnect banned, logins forbidden), unbans, and shows what each may see', async () => {
    const admin = await loginSdk(srv.port, 'root_admin', PASS);
    const { name, client: user } = await registerSdk(srv.port, 'sdk_ban');
    const { client: peerClient } = await registerSdk(srv.port, 'sdk_peer');

    const self = await user.userInfo(name);
    expect(self).toMatchObject({ username: name, level: 'basic', online: true });
    expect(self.id).toMatch(/^\d{5,}$/);
    expect(self.email).toBe(emailFor(name));
    const seenByPeer = await peerClient.userInfo(name);
    expect(seenByPeer).toMatchObject({ username: name, online: true });
    expect(seenByPeer).not.toHaveProperty('email');
    expect(seenByPeer).not.toHaveProperty('phone');
    expect(codeOf(await rejection(peerClient.userInfo(uniqueName('ghost'))))).toBe('not_found');

    expect(codeOf(await rejection(peerClient.ban(name)))).toBe('forbidden');
    const banned = nextEvent(user, 'disconnect');
    expect(await admin.ban(name, 'spam')).toEqual({ username: name, banned: true });
    expect(await banned).toEqual({ reason: 'banned' });
    expect(await admin.userInfo(name)).toMatchObject({
      username: name,
      online: false,
      email: emailFor(name),
      banned: true,
    });

    const refused = await rejection((await connectSdk(srv.port)).login(name, PASS));
    expect(codeOf(refused)).toBe('forbidden');
    expect(refused.message).toContain('this account is banned');

    expect(await admin.unban(name)).toEqual({ username: name, banned: false });
    const back = await loginSdk(srv.port, name, PASS);
    expect(back.username).toBe(name);
  });
});
