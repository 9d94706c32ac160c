// connectTcp's TLS option against a local node:tls peer (the server's TLS is not built yet).
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp } from './transport.ts';

// A self-signed P-256 certificate for `localhost` (valid to 2126), for this test only.
const KEY = `
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAmHiY83NatjTFlxl
2F3fFGYD7IdQKaI2YvRtl/1hH0GhRANCAASB5fl//YGvlMsC3gL/Y9/kiIqgXFOP
3TmKUT9wzaGk82KxyhBMRfXl6kmg8q6d6G5/eqKTXvjc0M99xge4NJXn
-----END PRIVATE KEY-----
`;
const CERT = `
-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUY65TjOWLZ9drVCYCba5lx+vXZkkwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTEwNTAxNFoYDzIxMjYxMTAx
MTA1MDE0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASB5fl//YGvlMsC3gL/Y9/kiIqgXFOP3TmKUT9wzaGk82KxyhBMRfXl
6kmg8q6d6G5/eqKTXvjc0M99xge4NJXno2kwZzAdBgNVHQ4EFgQUYUboCcC2Tcl1
MjaReJnU5TZKndAwHwYDVR0jBBgwFoAUYUboCcC2Tcl1MjaReJnU5TZKndAwDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SAAwRQIgEIs5MMrAkPuJMqoMM7XBbGLv9NndTxTfa62SQb8i0cACIQD7afOqOHgb
/sKzU/3yOa+bz/Myzq/O//Zmr97joyBwSg==
-----END CERTIFICATE-----
`;

describe('connectTcp with tls', () => {
  const servers: tls.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** A TLS peer that sends a hello line and echoes one line back; resolves with its port. */
  function peer(opts: tls.TlsOptions = {}): Promise<number> {
    const server = tls.createServer({ key: KEY, cert: CERT, ...opts }, (s) => {
      s.on('error', () => {});
      s.write('{"event":"hello"}\n');
      s.on('data', (d) => s.end(`{"echo":${JSON.stringify(d.toString().trim())}}\n`));
    });
    server.on('tlsClientError', () => {});
    servers.push(server);
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  }

  it('connects with a pinned CA and server name, and carries lines both ways', async () => {
    const port = await peer();
    const t = await connectTcp({
      host: '127.0.0.1',
      port,
      tls: { ca: CERT, servername: 'localhost' },
    });
    const lines: string[] = [];
    t.onLine((l) => lines.push(l));
    const closed = new Promise((resolve) => t.onClose(resolve));
    t.send('hi');
    await closed;
    expect(lines).toEqual(['{"event":"hello"}', '{"echo":"hi"}']);
  });

  it('refuses an untrusted certificate and a wrong name', async () => {
    const port = await peer();
    await expect(
      connectTcp({ host: '127.0.0.1', port, tls: { servername: 'localhost' } }),
    ).rejects.toThrow(/self-signed/);
    await expect(
      connectTcp({ host: '127.0.0.1', port, tls: { ca: CERT, servername: 'other.example' } }),
    ).rejects.toThrow(/does not match/);
  });

  it('connects without verification only when asked to', async () => {
    const port = await peer();
    const t = await connectTcp({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } });
    expect(t.isOpen).toBe(true);
    t.close();
  });

  it('refuses a server that only speaks TLS 1.1', async () => {
    const port = await peer({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    const opts = { host: '127.0.0.1', port, tls: { ca: CERT, servername: 'localhost' } };
    await expect(connectTcp(opts)).rejects.toThrow(/protocol|version/i);
  });
});
