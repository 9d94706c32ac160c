// TLS: the same protocol over TLS 1.2+ with a throwaway certificate; plain TCP,
// old TLS versions and unknown certificates are refused; bad files stop start-up.
import fs from 'node:fs';
import path from 'node:path';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCertificate } from './certs.ts';
import { TestClient } from './client.ts';
import { cleanup, makeTempDir, runCli, startServer } from './harness.ts';
import { emailFor, expectOk, PASSWORD, uniqueName } from './util.ts';

afterAll(cleanup);

describe('TLS', () => {
  let files: { cert: string; key: string; ca: string };
  let port: number;
  let stdout: () => string;

  beforeAll(async () => {
    files = await throwawayCertificate();
    const server = await startServer({
      config: { tls: { cert_file: files.cert, key_file: files.key } },
    });
    port = server.port;
    stdout = () => server.output.stdout;
  });

  it('speaks the protocol over TLS: two users log in and exchange a message', async () => {
    expect(stdout()).toMatch(/"tls":true/);
    const [a, b] = [new TestClient(), new TestClient()];
    const hello = await a.connect(port, 5_000, { ca: files.ca, servername: 'localhost' });
    expect(hello.data.protocol).toBe(1);
    expect((a.socket as tls.TLSSocket).getProtocol()).toMatch(/^TLSv1\.[23]$/);
    await b.connect(port, 5_000, { ca: files.ca });
    const [na, nb] = [uniqueName('tla'), uniqueName('tlb')];
    await a.register(na, PASSWORD, emailFor(na));
    await b.register(nb, PASSWORD, emailFor(nb));
    expectOk(await a.call('message_user', [nb, 'over tls']), 'message_user');
    const got = await b.nextEvent('message');
    expect(got.data).toMatchObject({ from: na, text: 'over tls' });
  });

  it('refuses a client that does not trust the certificate', async () => {
    const c = new TestClient();
    await expect(c.connect(port, 5_000, {})).rejects.toThrow(/self.signed|certificate/i);
  });

  it('refuses TLS 1.1 and older', async () => {
    const c = new TestClient();
    const old = { ca: files.ca, maxVersion: 'TLSv1.1' as const, minVersion: 'TLSv1' as const };
    await expect(c.connect(port, 5_000, old)).rejects.toThrow();
  });

  it('gives a plain TCP client no hello and closes it', async () => {
    const c = new TestClient();
    await c.open(port);
    c.sendRaw('{"action":"ping","data":[],"tag":"1"}\n');
    await c.waitClosed(15_000);
    expect(c.received.filter((f) => f.event === 'hello')).toEqual([]);
  });
});

describe('TLS configuration errors stop start-up', () => {
  it('names the key when a file cannot be read, or only one of the pair is set', async () => {
    const { dataDir } = makeTempDir();
    const missing = await runCli(
      [
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--tls-cert',
        '/nonexistent/c.pem',
        '--tls-key',
        '/nonexistent/k.pem',
      ],
      { timeoutMs: 15_000 },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('tls.cert_file');
    expect(missing.stdout).not.toContain('listening');

    const half = await runCli(['--port', '0', '--data-dir', dataDir, '--tls-cert', '/x.pem'], {
      timeoutMs: 15_000,
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('tls.cert_file and tls.key_file go together');

    const { root } = makeTempDir();
    const junk = path.join(root, 'junk.pem');
    fs.writeFileSync(junk, 'not a certificate');
    const bad = await runCli(
      ['--port', '0', '--data-dir', dataDir, '--tls-cert', junk, '--tls-key', junk],
      { timeoutMs: 15_000 },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unusable certificate');
  });
});
