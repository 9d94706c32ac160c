// Email confirmation over the wire: pending accounts, the development outbox,
// real SMTP delivery to a local listener, and a server that cannot send.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from './client.ts';
import { cleanup, startServer, useServer } from './harness.ts';
import { codeOf, emailFor, expectOk, PASSWORD, pollUntil, uniqueName } from './util.ts';

afterAll(cleanup);

const CONFIRM_ON = { accounts: { require_email_confirmation: true } };

/** The six-digit code in a mail text. */
function codeIn(text: string): string {
  const match = /\b(\d{6})\b/.exec(text);
  if (!match?.[1]) throw new Error(`no code in ${text}`);
  return match[1];
}

async function connected(port: number): Promise<TestClient> {
  const c = new TestClient();
  await c.connect(port);
  return c;
}

describe('email confirmation with the development outbox (the default)', () => {
  const server = useServer({ config: CONFIRM_ON });
  const outbox = () => path.join(server().dataDir, 'dev-outbox.jsonl');

  /** The code last written to the outbox for `email`. */
  const outboxCode = async (email: string): Promise<string> => {
    let code: string | undefined;
    await pollUntil(async () => {
      if (!fs.existsSync(outbox())) return false;
      const lines = fs.readFileSync(outbox(), 'utf8').trim().split('\n');
      const mails = lines.map((l) => JSON.parse(l)).filter((m) => m.to === email);
      code = mails.length > 0 ? codeIn(mails.at(-1).text) : undefined;
      return code !== undefined;
    }, 3_000);
    if (!code) throw new Error(`no mail to ${email} in the outbox`);
    return code;
  };

  it('keeps the account pending until the emailed code is given, from any connection', async () => {
    const name = uniqueName('pend');
    const a = await connected(server().port);
    const reg = expectOk(
      await a.call('create_user', [name, PASSWORD, emailFor(name)]),
      'create_user',
    );
    expect(reg.data).toMatchObject({ username: name, confirm: true });
    // Not verified yet: no session, and the password alone does not log in.
    expect(codeOf(await a.call('set_user'))).toBe('not_logged_in');
    expect(codeOf(await a.call('veus', [name, PASSWORD]))).toBe('forbidden');

    const code = await outboxCode(emailFor(name));
    const mail = fs.readFileSync(outbox(), 'utf8');
    expect(mail).toContain('development');
    expect(mail).not.toContain(PASSWORD);
    expect(server().output.stdout).toContain('development outbox');

    a.destroy();
    const b = await connected(server().port);
    const wrong = code === '000000' ? '000001' : '000000';
    expect(codeOf(await b.call('confirm_user', [name, wrong]))).toBe('invalid_credentials');
    expect(codeOf(await b.call('confirm_user', [name, '12345']))).toBe('invalid_input');
    const confirmed = expectOk(await b.call('confirm_user', [name, code]), 'confirm_user');
    expect(confirmed.data).toEqual({ id: reg.data.id, username: name, level: 'basic' });
    const session = expectOk(await b.call('set_user'), 'set_user');
    expect(session.data.username).toBe(name);

    // Active now: a plain login works, and the code is spent.
    const c = await connected(server().port);
    expect(codeOf(await c.call('confirm_user', [name, code]))).toBe('invalid_credentials');
    b.destroy();
    await b.waitClosed();
    await c.login(name, PASSWORD);
  });

  it('answers a wrong code and an unknown user with the same bytes', async () => {
    const name = uniqueName('same');
    const a = await connected(server().port);
    expectOk(await a.call('create_user', [name, PASSWORD, emailFor(name)]), 'create_user');
    const code = await outboxCode(emailFor(name));
    const wrong = code === '999999' ? '999998' : '999999';
    const raw: string[] = [];
    for (const user of [name, uniqueName('ghost')]) {
      const c = await connected(server().port);
      const lines: string[] = [];
      c.socket?.on('data', (d: Buffer) => lines.push(d.toString('utf8')));
      await c.request('confirm_user', [user, wrong], c.helloToken);
      raw.push(lines.join(''));
    }
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
    const a = await connected(server.port);
    const reg = expectOk(
      await a.call('create_user', [name, PASSWORD, emailFor(name)]),
      'create_user',
    );
    expect(reg.data.confirm).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]?.to).toEqual([emailFor(name)]);
    const code = codeIn(received[0]?.body ?? '');
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
    const a = await connected(server.port);
    const reply = await a.call('create_user', [name, PASSWORD, emailFor(name)]);
    expect(codeOf(reply)).toBe('internal');
    expect(reply.error?.message).toMatch(/email/);
    expect(server.output.stdout).not.toContain(PASSWORD);
  });
});
