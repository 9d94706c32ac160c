// Passwords over the wire: change_password (which ends the other sessions), reset_password with the
// mailed code, and its limits.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { registered, tryLogin, untagged } from '../accounts-support.ts';
import { closeAllClients, connectClient, loginClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import { mailsTo, outboxCode } from '../outbox.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, expectOk, PASSWORD, sleep, uniqueName } from '../util.ts';

const NEW_PASSWORD = 'violet-meadow-thunder';

/**
 * Passwords over the wire: change_password (which ends the other sessions), reset_password with
 * the mailed code, and its limits, run over `wire`.
 */
export function passwordCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('change_password', () => {
    const server = useServer();

    it('needs the old password and a good new one, then ends the other sessions only', async () => {
      const { name, c: first } = await registered(wire.endpoint(server()), 'chpw');
      // Two devices: the server is started with one session per user, so the second is refused.
      expect(
        codeOf(await first.call('change_password', ['wrong-old-password', NEW_PASSWORD])),
      ).toBe('invalid_credentials');
      expect(codeOf(await first.call('change_password', [PASSWORD, 'short']))).toBe(
        'weak_password',
      );
      expect(codeOf(await first.call('change_password', [PASSWORD, `${name}1234`]))).toBe(
        'weak_password',
      );
      expect(codeOf(await first.call('change_password', [PASSWORD]))).toBe('invalid_input');
      const ok = expectOk(await first.call('change_password', [PASSWORD, NEW_PASSWORD]), 'change');
      expect(ok.data).toBe('changed');
      // This session goes on.
      expect(codeOf(await first.call('ping'))).toBe('OK');
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, PASSWORD))).toBe(
        'invalid_credentials',
      );
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, NEW_PASSWORD))).toBe('OK');
      expect(JSON.stringify(first.received)).not.toContain(NEW_PASSWORD);
    });

    it('counts wrong old passwords like failed logins: the third ends the connection', async () => {
      const { c } = await registered(wire.endpoint(server()), 'chpw3');
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
      const { name, c: first } = await registered(wire.endpoint(server()), 'twodev');
      const second = await loginClient(wire.endpoint(server()), name, PASSWORD);
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
      const { name } = await registered(wire.endpoint(server()), 'forgot');
      const c = await connectClient(wire.endpoint(server()));
      const real = await c.call('reset_password', [name]);
      const byEmail = await c.call('reset_password', [emailFor(name).toUpperCase()]);
      const ghost = await c.call('reset_password', [uniqueName('ghost')]);
      const ghostEmail = await c.call('reset_password', ['nobody-here@example.com']);
      expect(real.data).toBe('sent');
      for (const other of [byEmail, ghost, ghostEmail])
        expect(untagged(other)).toEqual(untagged(real));
      await outboxCode(server().dataDir, emailFor(name), 2, 'reset');
      await sleep(200);
      expect(mailsTo(server().dataDir, 'nobody-here@example.com')).toEqual([]);
      expect(codeOf(await c.call('reset_password', ['a b']))).toBe('invalid_input');
    });

    it('sets the new password with the code, once, ends live sessions and clears a lock', async () => {
      const { name, c: live } = await registered(wire.endpoint(server()), 'reset');
      // Lock the account with wrong passwords first.
      for (let i = 0; i < 3; i++) {
        await tryLogin(wire.endpoint(server()), name, `wrong-${i}-password`);
        await sleep(1_100);
      }
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, PASSWORD))).not.toBe('OK');

      const c = await connectClient(wire.endpoint(server()));
      expectOk(await c.call('reset_password', [name]), 'reset_password');
      const code = await outboxCode(server().dataDir, emailFor(name), 1, 'reset');
      const wrong = code === '000000' ? '000001' : '000000';
      const refused = await c.call('reset_password_confirm', [name, wrong, NEW_PASSWORD]);
      const ghost = await c.call('reset_password_confirm', [
        uniqueName('ghost'),
        code,
        NEW_PASSWORD,
      ]);
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
      const again = await connectClient(wire.endpoint(server()));
      expect(
        codeOf(await again.call('reset_password_confirm', [name, code, 'another-new-secret'])),
      ).toBe('invalid_credentials');
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, PASSWORD))).toBe(
        'invalid_credentials',
      );
      expect(codeOf(await tryLogin(wire.endpoint(server()), name, NEW_PASSWORD))).toBe('OK');
    });

    it('gives a code five tries', async () => {
      const { name } = await registered(wire.endpoint(server()), 'tries');
      const c = await connectClient(wire.endpoint(server()));
      expectOk(await c.call('reset_password', [name]), 'reset_password');
      const code = await outboxCode(server().dataDir, emailFor(name), 1, 'reset');
      const wrong = code === '000000' ? '000001' : '000000';
      for (let i = 0; i < 5; i++) {
        const conn = await connectClient(wire.endpoint(server()));
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
      config: {
        limits: { exempt_cidrs: [] },
        accounts: { resets_per_ip: 2, resets_per_account: 1 },
      },
    });

    it('limits requests per address whatever the name, and mails an account at most its share', async () => {
      const { name } = await registered(wire.endpoint(server()), 'limit');
      const c = await connectClient(wire.endpoint(server()));
      expect(codeOf(await c.call('reset_password', [name]))).toBe('OK');
      expect(codeOf(await c.call('reset_password', [name]))).toBe('OK');
      const third = await c.call('reset_password', [uniqueName('ghost')]);
      expect(codeOf(third)).toBe('rate_limited');
      expect(third.error?.retry_after_ms).toBeGreaterThan(0);
      await sleep(300);
      expect(mailsTo(server().dataDir, emailFor(name))).toHaveLength(1);
    });
  });
}
