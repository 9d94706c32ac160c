// The SDK over TLS against the real server, and registration with an emailed code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, ServerError } from '../../src/client/index.ts';
import { throwawayCertificate } from '../protocol/certs.ts';
import { cleanup, startServer } from '../protocol/harness.ts';
import { emailFor, pollUntil, uniqueName } from '../protocol/util.ts';
import { closeAllSdk, connectSdk, nextEvent, PASS, rejection, WAIT_MS } from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

describe('sdk over TLS', () => {
  it('logs in and messages over TLS with a pinned CA, and refuses an unknown certificate', async () => {
    const files = await throwawayCertificate();
    const server = await startServer({
      config: { tls: { cert_file: files.cert, key_file: files.key } },
    });
    const tlsClient = async () => {
      const c = new Client({ requestTimeoutMs: WAIT_MS });
      await c.connect({ host: '127.0.0.1', port: server.port, tls: { ca: files.ca } });
      return c;
    };
    const [a, b] = [await tlsClient(), await tlsClient()];
    const [na, nb] = [uniqueName('sdktls_a'), uniqueName('sdktls_b')];
    await a.register(na, PASS, emailFor(na));
    await b.register(nb, PASS, emailFor(nb));
    const got = nextEvent(b, 'message');
    const sent = await a.messageUser(nb, 'sealed');
    expect(await got).toMatchObject({ id: sent.id, from: na, text: 'sealed' });
    a.close();
    b.close();

    const untrusted = new Client();
    const err = await rejection(
      untrusted.connect({ host: '127.0.0.1', port: server.port, tls: {} }),
    );
    expect(err.message).toMatch(/self.signed|certificate/i);
  });
});

describe('sdk registration with email confirmation', () => {
  it('register() answers confirm: true and confirm(code) logs in', async () => {
    const server = await startServer({
      config: { accounts: { require_email_confirmation: true } },
    });
    const name = uniqueName('sdkconf');
    const c = await connectSdk(server.port);
    const reg = await c.register(name, PASS, emailFor(name));
    expect(reg).toMatchObject({ username: name, confirm: true });
    expect(c.isLoggedIn).toBe(false);

    const outbox = path.join(server.dataDir, 'dev-outbox.jsonl');
    await pollUntil(async () => fs.existsSync(outbox), 3_000);
    const mail = JSON.parse(fs.readFileSync(outbox, 'utf8').trim().split('\n').at(-1) ?? '{}');
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
    const wrong = code === '000000' ? '000001' : '000000';
    const refused = await rejection(c.confirm(wrong));
    expect(refused).toBeInstanceOf(ServerError);
    expect((refused as ServerError).code).toBe('invalid_credentials');

    const account = await c.confirm(code);
    expect(account).toMatchObject({ username: name, level: 'basic' });
    expect(c.isLoggedIn).toBe(true);
    expect((await c.who()).users.map((u) => u.username)).toContain(name);
  });
});
