// WebSocket framing and the upgrade: close codes (1009, 1003, 1008, 1000), one
// JSON object per text message, the Origin check, X-Forwarded-For behind a
// trusted proxy, the cap on requests still sending headers, caps shared with TCP.
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectBusy } from './cases/caps.case.ts';
import { closeAllClients, connectClient, registerClient } from './client.ts';
import { cleanup, type ServerHandle, useServer } from './harness.ts';
import { codeOf, emailFor, PASSWORD, paddedPing, sleep, uniqueName } from './util.ts';
import { WsTestClient } from './ws-client.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const httpPort = (s: ServerHandle): number => {
  if (s.httpPort === undefined) throw new Error('no http_port in the listening line');
  return s.httpPort;
};

/** A connected WebSocket client (hello received), with extra upgrade headers. */
async function wsClient(
  server: ServerHandle,
  opts: { origin?: string; headers?: Record<string, string> } = {},
): Promise<WsTestClient> {
  const c = new WsTestClient(opts.origin, opts.headers);
  await c.connect(httpPort(server));
  return c;
}

/** The HTTP status an upgrade with these headers gets (101 when it is accepted). */
async function upgradeStatus(server: ServerHandle, headers: Record<string, string>) {
  const c = new WsTestClient(headers.origin, headers);
  try {
    await c.open(httpPort(server));
    return 101;
  } catch (err) {
    const m = /HTTP (\d+)/.exec((err as Error).message);
    if (!m) throw err;
    return Number(m[1]);
  } finally {
    c.destroy();
  }
}

describe('WebSocket frames', () => {
  const server = useServer();

  it('answers a text message over the login limit with frame_too_large, then closes 1009', async () => {
    const c = await wsClient(server());
    c.sendFrame(paddedPing(4096, 'ok4096'));
    expect(await c.reply('ok4096')).toMatchObject({ ok: true, data: 'pong' });
    c.sendFrame(paddedPing(4097, 'p4097'));
    expect(codeOf(await c.nextReply())).toBe('frame_too_large');
    await c.waitClosed();
    expect(c.closeCode).toBe(1009);
  });

  it('takes 60,000 bytes after set_user; a message far over the limit closes 1009', async () => {
    const name = uniqueName('wsbig');
    const c = (await registerClient(
      { ws: httpPort(server()) },
      name,
      PASSWORD,
      emailFor(name),
    )) as WsTestClient;
    c.sendFrame(paddedPing(60_000, 'p60k', c.token));
    expect(await c.reply('p60k')).toMatchObject({ ok: true, data: 'pong' });
    c.sendFrame(paddedPing(65_537, 'p64k', c.token));
    expect(codeOf(await c.nextReply())).toBe('frame_too_large');
    await c.waitClosed();
    expect(c.closeCode).toBe(1009);
    // Past what the ws library reads at all: closed 1009 without a reply.
    const d = await wsClient(server());
    d.sendFrame('x'.repeat(200_000));
    await d.waitClosed();
    expect(d.closeCode).toBe(1009);
  });

  it('answers a binary message with bad_request, then closes 1003', async () => {
    const c = await wsClient(server());
    c.sendRaw(Buffer.from('{"action":"ping","tag":"b1","data":[]}'));
    expect(await c.nextReply()).toMatchObject({ tag: null, error: { code: 'bad_request' } });
    await c.waitClosed();
    expect(c.closeCode).toBe(1003);
  });

  it('closes 1007 on a text message that is not UTF-8 (a WebSocket protocol error)', async () => {
    const c = await wsClient(server());
    // ws sends a Buffer as a text frame without checking it when told it is not binary.
    c.ws?.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    await c.waitClosed();
    expect(c.closeCode).toBe(1007);
  });

  it('answers a text message holding two JSON objects with bad_json and stays open', async () => {
    const c = await wsClient(server());
    c.sendFrame('{"action":"ping","tag":"a","data":[]}\n{"action":"ping","tag":"b","data":[]}');
    expect(codeOf(await c.nextReply())).toBe('bad_json');
    expect(await c.request('ping')).toMatchObject({ ok: true, data: 'pong' });
  });

  it('sends one JSON object per text message, each without a line ending', async () => {
    const c = await wsClient(server());
    c.sendFrames(['a', 'b', 'c'].map((tag) => JSON.stringify({ action: 'ping', tag, data: [] })));
    for (const tag of ['a', 'b', 'c']) expect((await c.reply(tag)).data).toBe('pong');
    // Hello and the three replies: each message parsed alone as one object.
    expect(c.received.filter((f) => f.unparsed !== undefined)).toEqual([]);
    expect(c.lines.every((l) => !l.endsWith('\n'))).toBe(true);
  });

  it('closes 1008 after too_many_errors and 1000 after logout', async () => {
    const c = await wsClient(server());
    for (let i = 0; i < 10; i++) c.sendFrame('{broken');
    expect((await c.nextEvent('disconnect')).data.reason).toBe('too_many_errors');
    await c.waitClosed();
    expect(c.closeCode).toBe(1008);
    const name = uniqueName('wsbye');
    const d = (await registerClient(
      { ws: httpPort(server()) },
      name,
      PASSWORD,
      emailFor(name),
    )) as WsTestClient;
    d.call('logout').catch(() => {});
    expect((await d.nextEvent('disconnect')).data.reason).toBe('logged_out');
    await d.waitClosed();
    expect(d.closeCode).toBe(1000);
  });

  it('refuses an upgrade on another path, and a plain GET of /ws', async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort(server())}/ws`);
    expect(res.status).toBe(426);
    const socket = net.connect(httpPort(server()), '127.0.0.1');
    socket.write(
      'GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const answer = await readAll(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
  });
});

describe('Origin', () => {
  const server = useServer();
  const own = () => `http://127.0.0.1:${httpPort(server())}`;

  it('allows no Origin (not a browser) and the server own origin, refuses others with 403', async () => {
    expect(await upgradeStatus(server(), {})).toBe(101);
    expect(await upgradeStatus(server(), { origin: own() })).toBe(101);
    expect(
      await upgradeStatus(server(), { origin: `http://localhost:${httpPort(server())}` }),
    ).toBe(101);
    expect(await upgradeStatus(server(), { origin: 'http://evil.example' })).toBe(403);
    expect(
      await upgradeStatus(server(), { origin: `http://127.0.0.1:${httpPort(server()) + 1}` }),
    ).toBe(403);
    expect(await upgradeStatus(server(), { origin: 'null' })).toBe(403);
    // A page that rebinds its own name to 127.0.0.1 sends a matching Host: still refused.
    expect(
      await upgradeStatus(server(), { origin: 'http://evil.example:80', host: 'evil.example:80' }),
    ).toBe(403);
  });
});

describe('http.allowed_origins', () => {
  const server = useServer({ config: { http: { allowed_origins: ['https://chat.example.com'] } } });

  it('allows exactly the listed origins', async () => {
    expect(await upgradeStatus(server(), { origin: 'https://chat.example.com' })).toBe(101);
    expect(await upgradeStatus(server(), { origin: 'http://chat.example.com' })).toBe(403);
    expect(
      await upgradeStatus(server(), { origin: `http://127.0.0.1:${httpPort(server())}` }),
    ).toBe(403);
  });
});

describe('X-Forwarded-For without a trusted proxy', () => {
  const server = useServer({ config: { limits: { max_unauthenticated_per_ip: 2 } } });

  it('is ignored: the peer address is what the per-address cap counts', async () => {
    await wsClient(server(), { headers: { 'x-forwarded-for': '203.0.113.1' } });
    await wsClient(server(), { headers: { 'x-forwarded-for': '203.0.113.2' } });
    const c = new WsTestClient(undefined, { 'x-forwarded-for': '203.0.113.3' });
    await c.open(httpPort(server()));
    expect(await c.nextFrame()).toMatchObject({ ok: false, error: { code: 'server_busy' } });
    await c.waitClosed();
  });
});

describe('X-Forwarded-For from a trusted proxy', () => {
  const server = useServer({
    config: {
      limits: { max_unauthenticated_per_ip: 2 },
      http: { trusted_proxies: ['127.0.0.0/8'] },
    },
  });

  it('counts the first forwarded address, not the proxy', async () => {
    const from = (xff: string) => ({ headers: { 'x-forwarded-for': xff } });
    // Six clients behind one proxy, from three addresses: two each fit the cap.
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      await wsClient(server(), from(`${ip}, 10.0.0.9`));
      await wsClient(server(), from(ip));
    }
    const c = new WsTestClient(undefined, { 'x-forwarded-for': '198.51.100.2, 127.0.0.1' });
    await c.open(httpPort(server()));
    expect(await c.nextFrame()).toMatchObject({ ok: false, error: { code: 'server_busy' } });
    // Garbage in the header falls back to the peer, which has room.
    const g = await wsClient(server(), from('not-an-ip'));
    expect(await g.request('ping')).toMatchObject({ ok: true });
  });
});

describe('caps shared by TCP and WebSocket', () => {
  const server = useServer({ config: { limits: { max_connections: 3 } } });

  it('counts both transports against max_connections', async () => {
    await connectClient(server().port);
    await wsClient(server());
    await connectClient(server().port);
    await expectBusy({ ws: httpPort(server()) });
    await expectBusy(server().port);
  });
});

describe('requests still sending their headers', () => {
  const server = useServer({ config: { http: { max_upgrades: 2, upgrade_timeout_s: 1 } } });

  it('are capped (the next socket is dropped at once) and timed out', async () => {
    const partial = 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n';
    const slow = [0, 1].map(() => {
      const s = net.connect(httpPort(server()), '127.0.0.1');
      s.write(partial);
      s.on('error', () => {});
      return s;
    });
    await Promise.all(slow.map((s) => new Promise((r) => s.once('connect', r))));
    // The server must have read both partial requests before the third arrives; on a
    // loaded machine that takes longer than a connect (upgrade_timeout_s is 1 s).
    await sleep(400);
    const third = net.connect(httpPort(server()), '127.0.0.1');
    third.on('error', () => {});
    third.write(partial);
    expect(await readAll(third)).toBe('');
    // The two slow ones are answered 408 and closed once upgrade_timeout_s passed.
    const answers = await Promise.all(slow.map((s) => readAll(s, 6_000)));
    for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 408 /);
    // The slots free when the server sees the sockets close, which may come just after
    // the client saw them close: a new upgrade is let in within a few tries.
    let c: Awaited<ReturnType<typeof wsClient>> | undefined;
    for (let i = 0; i < 30 && c === undefined; i++) {
      c = await wsClient(server()).catch(() => undefined);
      if (c === undefined) await sleep(100);
    }
    expect(c, 'a new upgrade once the slow ones were closed').toBeDefined();
    expect(await c?.request('ping')).toMatchObject({ ok: true, data: 'pong' });
  });
});

/** Everything a socket receives until it closes (rejects after `timeoutMs`). */
function readAll(socket: net.Socket, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after ${timeoutMs} ms; got ${JSON.stringify(text)}`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString('utf8');
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}
