// Email confirmation over the wire: pending accounts, the development outbox, real SMTP delivery to
// a local listener, and a server that cannot send.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient } from '../client.ts';
import { cleanup, startServer, useServer } from '../harness.ts';
import { codeIn, outboxCode } from '../outbox.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, expectOk, PASSWORD, uniqueName } from '../util.ts';

const CONFIRM_ON = { accounts: { require_email_confirmation: true } };

/**
 * Email confirmation over the wire: pending accounts, the development outbox, real SMTP delivery
 * to a local listener, and a server that cannot send, run over `wire`.
 */
export function emailConfirmationCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('email confirmation with the development outbox (the default)', () => {
    const server = useServer({ config: CONFIRM_ON });
    const outbox = () => path.join(server().dataDir, 'dev-outbox.jsonl');

    /** The code last written to the outbox for `email`. */
    const mailedCode = (email: string) => outboxCode(server().dataDir, email);

    it('keeps the account pending until the emailed code is given, from any connection', async () => {
      const name = uniqueName('pend');
      const a = await connectClient(wire.endpoint(server()));
      const reg = expectOk(
        await a.call('create_user', [name, PASSWORD, emailFor(name)]),
        'create_user',
      );
      expect(reg.data).toMatchObject({ username: name, confirm: true });
      // Not verified yet: no session, and the password alone does not log in.
      expect(codeOf(await a.call('set_user'))).toBe('not_logged_in');
      expect(codeOf(await a.call('veus', [name, PASSWORD]))).toBe('forbidden');

      const code = await mailedCode(emailFor(name));
      const mail = fs.readFileSync(outbox(), 'utf8');
      expect(mail).toContain('development');
      expect(mail).not.toContain(PASSWORD);
      expect(server().output.stdout).toContain('development outbox');

      a.destroy();
      const b = await connectClient(wire.endpoint(server()));
      const wrong = code === '000000' ? '000001' : '000000';
      expect(codeOf(await b.call('confirm_user', [name, wrong]))).toBe('invalid_credentials');
      expect(codeOf(await b.call('confirm_user', [name, '12345']))).toBe('invalid_input');
      const confirmed = expectOk(await b.call('confirm_user', [name, code]), 'confirm_user');
      expect(confirmed.data).toEqual({ id: reg.data.id, username: name, level: 'basic' });
      const session = expectOk(await b.call('set_user'), 'set_user');
      expect(session.data.username).toBe(name);

      // Active now: a plain login works, and the code is spent.
      const c = await connectClient(wire.endpoint(server()));
      expect(codeOf(await c.call('confirm_user', [name, code]))).toBe('invalid_credentials');
      b.destroy();
      await b.waitClosed();
      await c.login(name, PASSWORD);
    });

    it('answers a wrong code and an unknown user with the same bytes', async () => {
      const name = uniqueName('same');
      const a = await connectClient(wire.endpoint(server()));
      expectOk(await a.call('create_user', [name, PASSWORD, emailFor(name)]), 'create_user');
      const code = await mailedCode(emailFor(name));
      const wrong = code === '999999' ? '999998' : '999999';
      const raw: string[] = [];
      for (const user of [name, uniqueName('ghost')]) {
        const c = await connectClient(wire.endpoint(server()));
        const before = c.lines.length;
        await c.request('confirm_user', [user, wrong], c.helloToken);
        raw.push(c.lines.slice(before).join('\n'));
      }
      expect(raw[0]).toContain('"invalid_credentials"');
      expect(raw[0]).toBe(raw[1]);
    });
  });

  describe('email confirmation over SMTP', () => {
    const received: Array<{ to: string[]; body: string }> = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (d: Buffer) => {
          body += d.toString('utf8');
        });
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), body });
          callback();
        });
      },
    });

    afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

    it('sends the code through the configured SMTP server', async () => {
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
      const smtpPort = (smtp.server.address() as net.AddressInfo).port;
      const server = await startServer({
        config: { ...CONFIRM_ON, mail: { transport: 'smtp', smtp_port: smtpPort } },
      });
      const name = uniqueName('smtp');
      const a = await connectClient(wire.endpoint(server));
      const reg = expectOk(
        await a.call('create_user', [name, PASSWORD, emailFor(name)]),
        'create_user',
      );
      expect(reg.data.confirm).toBe(true);
      expect(received).toHaveLength(1);
      expect(received[0]?.to).toEqual([emailFor(name)]);
      const code = codeIn(received[0]?.body ?? '');
      expect(code).toMatch(/^\d{6}$/);
      expectOk(await a.call('confirm_user', [name, code]), 'confirm_user');
      expectOk(await a.call('set_user'), 'set_user');
      expect(fs.existsSync(path.join(server.dataDir, 'dev-outbox.jsonl'))).toBe(false);
    });

    it('answers internal when no SMTP server takes the mail', async () => {
      // A port nothing listens on: bind one, note it, close it.
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
      const deadPort = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const server = await startServer({
        config: { ...CONFIRM_ON, mail: { transport: 'smtp', smtp_port: deadPort } },
      });
      const name = uniqueName('down');
      const a = await connectClient(wire.endpoint(server));
      const reply = await a.call('create_user', [name, PASSWORD, emailFor(name)]);
      expect(codeOf(reply)).toBe('internal');
      expect(reply.error?.message).toMatch(/email/);
      expect(server.output.stdout).not.toContain(PASSWORD);
    });
  });
}
