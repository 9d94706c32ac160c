// --tls and --ca: one-shot commands over TLS against a server with a throwaway certificate.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCertificate } from '../protocol/certs.ts';
import { cleanup, startServer } from '../protocol/harness.ts';
import { cleanupClients, runClient } from './pty.ts';

afterAll(cleanupClients);
afterAll(cleanup);

describe('TLS', () => {
  let cert: string;
  let port: number;

  beforeAll(async () => {
    const files = await throwawayCertificate();
    cert = files.cert;
    const server = await startServer({
      config: { tls: { cert_file: files.cert, key_file: files.key } },
    });
    port = server.port;
  });

  it('connects with --ca (which implies --tls)', async () => {
    const r = await runClient(['--port', String(port), '--ca', cert, 'ping']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pong \(\d+ ms\)\n$/);
  });

  it('refuses a certificate it cannot verify: exit 3 with a TLS message', async () => {
    const r = await runClient(['--port', String(port), '--tls', 'ping']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/TLS failure with 127\.0\.0\.1:\d+: .*self.signed/i);
  });

  it('exits 2 for a CA file it cannot read', async () => {
    const r = await runClient(['--port', String(port), '--ca', '/nonexistent/ca.pem', 'ping']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read CA file /nonexistent/ca.pem');
  });

  it('tells a plain client the server speaks TLS, long before its timeout', async () => {
    // A 60 s --timeout, and the run must end within 20 s: only the detection can end it.
    const r = await runClient(['--port', String(port), '--timeout', '60000', 'ping'], {
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `super-client: could not connect to 127.0.0.1:${port}: the server speaks TLS: use --tls (server_speaks_tls)\n`,
    );
  });

  it('says what to try when a server sends no hello at all', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const silentPort = (silent.address() as net.AddressInfo).port;
      const r = await runClient(['--port', String(silentPort), '--timeout', '1500', 'ping']);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `super-client: could not connect to 127.0.0.1:${silentPort}: the server sent no hello (is it a super-server? if it speaks TLS: use --tls) (hello_timeout)\n`,
      );
    } finally {
      silent.close();
    }
  });

  it('says the server does not speak TLS when --tls meets a plain server', async () => {
    const plain = await startServer();
    const r = await runClient(['--port', String(plain.port), '--tls', 'ping']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the server does not speak TLS \(leave out --tls and --ca\)/);
  });
});
