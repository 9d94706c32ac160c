// --tls and --ca: one-shot commands over TLS against a server with a throwaway certificate.
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
});
