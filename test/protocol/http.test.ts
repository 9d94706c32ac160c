// The HTTP listener: the web client's files with their types, caching and
// security headers; no way out of the root; /healthz, /metrics; HTTPS and wss.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCertificate } from './certs.ts';
import { closeAllClients } from './client.ts';
import { cleanup, makeTempDir, type ServerHandle, startServer, useServer } from './harness.ts';
import { WsTestClient } from './ws-client.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';

/** A built web client in a temp dir, with a secret beside it and symlinks pointing at it. */
function webDir(): string {
  const { root } = makeTempDir();
  const dist = path.join(root, 'dist');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>chat</title>');
  fs.writeFileSync(path.join(dist, 'assets', 'app-1a2b3c4d.js'), 'console.log(1);');
  fs.writeFileSync(path.join(dist, 'style.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'secret.txt'), SECRET);
  fs.mkdirSync(path.join(root, 'private'));
  fs.writeFileSync(path.join(root, 'private', 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dist, 'leak.txt'));
  fs.symlinkSync(path.join(root, 'private'), path.join(dist, 'outdir'));
  return dist;
}

/** Sends one raw request (the target exactly as given) and returns status and text. */
function rawGet(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${target}`));
    }, 5_000);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

const base = (s: ServerHandle) => `http://127.0.0.1:${s.httpPort}`;

describe('static files', () => {
  const server = useServer({ config: { http: { web_dir: webDir() } } });

  it('serves index.html at / with no-cache and the security headers', async () => {
    const res = await fetch(`${base(server())}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>chat</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' ws: wss:");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('serves hashed assets as immutable, with their types', async () => {
    const js = await fetch(`${base(server())}/assets/app-1a2b3c4d.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1);');
    const css = await fetch(`${base(server())}/style.css?v=2`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers HEAD without a body, other methods with 405, missing files with 404', async () => {
    const head = await fetch(`${base(server())}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('34');
    expect(await head.text()).toBe('');
    const post = await fetch(`${base(server())}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const missing = await fetch(`${base(server())}/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/..%5csecret.txt',
    '/%5c..%5csecret.txt',
    '/index.html%00.js',
    '/%00',
    '//secret.txt',
    '/leak.txt',
    '/outdir/secret.txt',
    '/assets/',
    `http://127.0.0.1/../secret.txt`,
    '/%ff%fe',
  ])('never serves what is outside the root: %s', async (target) => {
    const { status, text } = await rawGet(server().httpPort as number, target);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(text).not.toContain(SECRET);
  });
});

describe('no web client built', () => {
  const server = useServer({ config: { http: { web_dir: '/nonexistent/web/dist' } } });

  it('answers / with a plain page saying how to build it, other paths with 404', async () => {
    const res = await fetch(`${base(server())}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toMatch(/web client is not built[\s\S]*npm run build:web/);
    expect((await fetch(`${base(server())}/assets/app.js`)).status).toBe(404);
  });
});

describe('/healthz and /metrics', () => {
  const server = useServer();

  it('answers /healthz with ok and /metrics in the Prometheus format', async () => {
    const health = await fetch(`${base(server())}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    const metrics = await fetch(`${base(server())}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^# HELP super_server_/m);
  });
});

describe('http.metrics false', () => {
  const server = useServer({ config: { http: { metrics: false } } });

  it('keeps /metrics off the HTTP listener', async () => {
    expect((await fetch(`${base(server())}/metrics`)).status).toBe(404);
    expect((await fetch(`${base(server())}/healthz`)).status).toBe(200);
  });
});

describe('http.enabled false', () => {
  const server = useServer({ config: { http: { enabled: false } } });

  it('reports no http_port and serves TCP alone', () => {
    expect(server().httpPort).toBeUndefined();
    expect(server().output.stdout).not.toContain('http_port');
  });
});

describe('with --workers 2', () => {
  const server = useServer({ args: ['--workers', '2'] });

  it('reports http_port, takes WebSocket clients in the workers, and leaves /metrics to the primary', async () => {
    const clients = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const c = new WsTestClient();
        await c.connect(server().httpPort as number);
        return c;
      }),
    );
    for (const c of clients) expect(await c.request('ping')).toMatchObject({ ok: true });
    expect((await fetch(`${base(server())}/healthz`)).status).toBe(200);
    expect((await fetch(`${base(server())}/metrics`)).status).toBe(404);
  });
});

describe('with TLS', () => {
  let handle: ServerHandle | undefined;
  let pems: { cert: string; key: string; ca: string };
  beforeAll(async () => {
    pems = await throwawayCertificate();
    handle = await startServer({ args: ['--tls-cert', pems.cert, '--tls-key', pems.key] });
  });
  const server = () => handle as ServerHandle;

  it('serves https and wss with the server certificate, and nothing in clear', async () => {
    const c = new WsTestClient();
    const hello = await c.connect(server().httpPort as number, 5_000, { ca: pems.ca } as object);
    expect(hello.event).toBe('hello');
    expect(await c.request('ping')).toMatchObject({ ok: true, data: 'pong' });
    const socket = tls.connect({
      host: '127.0.0.1',
      port: server().httpPort as number,
      ca: pems.ca,
    });
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('secureConnect', () =>
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
      );
      socket.on('data', (d: Buffer) => {
        text += d.toString();
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\n(3\r\n)?ok\n/);
    const plain = new WsTestClient();
    await expect(plain.open(server().httpPort as number, 3_000)).rejects.toThrow();
  });
});
