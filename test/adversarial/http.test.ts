// The HTTP listener under attack: upgrades from foreign origins, generated
// traversal paths, and floods of half-sent requests and of upgrades. Each is
// refused as documented while memory stays bounded and the control users chat.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients } from '../protocol/client.ts';
import { cleanup, makeTempDir } from '../protocol/harness.ts';
import { sleep } from '../protocol/util.ts';
import { WsTestClient } from '../protocol/ws-client.ts';
import { expectBoundedMemory, MemoryWatch, record } from './measure.ts';
import { prng } from './raw-socket.ts';
import { assertControlStillWorks, itSurvives, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const SECRET = 'ADVERSARIAL-SECRET-OUTSIDE-WEB-DIR';

/** A web root inside a dir that also holds a secret, and a symlink from the root to it. */
function webRoot(): string {
  const { root } = makeTempDir();
  const dist = path.join(root, 'dist');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(root, 'secret.txt'), SECRET);
  fs.symlinkSync(root, path.join(dist, 'up'));
  return dist;
}

/** Sends raw bytes on a new socket; resolves with everything received until it closes. */
function exchange(port: number, bytes: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.write(bytes);
  });
}

describe('traversal, generated', () => {
  const arena = useArena({ config: { http: { web_dir: webRoot() } } });

  it('serves nothing from outside the root for 400 generated paths', async () => {
    const port = arena().server.httpPort as number;
    const rand = prng(14);
    const dots = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '..%00', '%c0%ae%c0%ae'];
    const seps = ['/', '%2f', '%2F', '\\', '%5c', '%5C', '//', '/./'];
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
    const mem = new MemoryWatch(arena().pid);
    let served = 0;
    for (let i = 0; i < 400; i++) {
      const depth = 1 + Math.floor(rand() * 4);
      let target = pick(['/', '/assets/', '/up/', '/up/../']);
      for (let d = 0; d < depth; d++) target += `${pick(dots)}${pick(seps)}`;
      target += pick(['secret.txt', 'secret.txt%00.html', 'SECRET.TXT', 'secret.txt?x=1']);
      const answer = await exchange(
        port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect(answer, target).not.toContain(SECRET);
      if (/^HTTP\/1\.1 200 /.test(answer)) served++;
    }
    // `/up/secret.txt` is the only way to the secret by name, through a symlink: refused too.
    const viaLink = await exchange(
      port,
      'GET /up/secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(viaLink).toMatch(/^HTTP\/1\.1 404 /);
    record('traversal', { paths: 400, served_200: served });
    expectBoundedMemory(mem, 'traversal paths');
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});

describe('foreign origins', () => {
  const arena = useArena();

  it('refuses 200 upgrades from other origins with 403 and opens no connection', async () => {
    const port = arena().server.httpPort as number;
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const origins = ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, 'file://'];
    const upgrade = (i: number) =>
      exchange(
        port,
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          `Origin: ${origins[i % origins.length]}\r\n\r\n`,
      );
    // In waves of 40, below http.max_upgrades (64): beyond it sockets are dropped unanswered.
    const answers: string[] = [];
    for (let wave = 0; wave < 5; wave++) {
      answers.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => upgrade(i)))));
    }
    for (const a of answers) {
      expect(a).toMatch(/^HTTP\/1\.1 403 /);
      expect(a).not.toContain('hello');
    }
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});

describe('floods of half-sent requests and of upgrades', () => {
  const arena = useArena({
    config: {
      http: { max_upgrades: 32, upgrade_timeout_s: 2 },
      limits: { max_unauthenticated_per_ip: 1_000, max_unauthenticated: 1_000 },
    },
  });

  it('keeps at most max_upgrades half-sent requests, times them out, and keeps serving', async () => {
    const port = arena().server.httpPort as number;
    const mem = new MemoryWatch(arena().pid);
    // 300 sockets that send half a request and then nothing (slowloris).
    const slow = Array.from({ length: 300 }, () => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.resume(); // read the 408, so the close is seen
      s.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
      return s;
    });
    const closed = slow.map(
      (s) => new Promise<number>((r) => s.once('close', () => r(Date.now()))),
    );
    await sleep(500);
    const stillOpen = slow.filter((s) => !s.destroyed && s.readyState === 'open').length;
    expect(stillOpen).toBeLessThanOrEqual(32);
    // Each one still open is dropped once its headers are overdue.
    const started = Date.now();
    const ends = await Promise.all(closed);
    const lastEnd = Math.max(...ends) - started;
    record('slowloris', { sockets: 300, held_at_once: stillOpen, all_closed_after_ms: lastEnd });
    // Then 100 upgrades at once: those beyond the cap are dropped before their headers are
    // read, every other one gets its hello; afterwards the listener takes new ones again.
    const burst = await Promise.allSettled(
      Array.from({ length: 100 }, async () => {
        const c = new WsTestClient();
        await c.connect(port, 15_000);
        return c;
      }),
    );
    const opened = burst.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    expect(opened.length).toBeGreaterThanOrEqual(32);
    expect(opened.every((c) => c.helloToken !== undefined)).toBe(true);
    for (const c of opened) c.destroy();
    record('upgrade burst', { tried: 100, opened: opened.length });
    // Waves within the cap all succeed.
    for (let wave = 0; wave < 6; wave++) {
      const clients = await Promise.all(
        Array.from({ length: 16 }, async () => {
          const c = new WsTestClient();
          await c.connect(port, 15_000);
          return c;
        }),
      );
      for (const c of clients) c.destroy();
    }
    expectBoundedMemory(mem, 'half-sent requests and upgrade flood');
    await assertControlStillWorks(arena());
  }, 60_000);

  itSurvives(arena);
});
