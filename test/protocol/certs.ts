// Throwaway TLS certificates for tests (never used outside them).
import fs from 'node:fs';
import path from 'node:path';
import selfsigned from 'selfsigned';
import { makeTempDir } from './harness.ts';

/** A self-signed certificate for localhost and 127.0.0.1, written to a temp dir. */
export async function throwawayCertificate(): Promise<{ cert: string; key: string; ca: string }> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 86_400_000),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const { root } = makeTempDir();
  const cert = path.join(root, 'cert.pem');
  const key = path.join(root, 'key.pem');
  fs.writeFileSync(cert, pems.cert);
  fs.writeFileSync(key, pems.private, { mode: 0o600 });
  return { cert, key, ca: pems.cert };
}
