// Frame size limits and capacity caps (connections, unauthenticated, users).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  closeAllClients,
  connectClient,
  loginClient,
  registerClient,
  TestClient,
} from './client.ts';
import { cleanup, type SeedUser, useServer } from './harness.ts';
import { codeOf, emailFor, PASSWORD, paddedPing, sleep, uniqueName } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

// A seed account created with `user add`.
function seed(username: string): SeedUser {
  return { username, email: emailFor(username), password: PASSWORD };
}

// Opens a connection and expects the server_busy refusal instead of hello, then a close.
async function expectBusy(port: number) {
  const c = new TestClient();
  await c.open(port);
  const f = await c.nextFrame();
  expect(f).toMatchObject({ tag: null, ok: false, error: { code: 'server_busy' } });
  await c.waitClosed();
}

describe('frame size limits', () => {
  const server = useServer();
  const port = () => server().port;

  it('accepts a 4,096-byte line before login', async () => {
    const c = await connectClient(port());
    c.sendRaw(`${paddedPing(4096, 'p4096')}\n`);
    expect(await c.reply('p4096')).toMatchObject({ ok: true, data: 'pong' });
  });

  it('rejects a 4,097-byte line before login and closes', async () => {
    const c = await connectClient(port());
    c.sendRaw(`${paddedPing(4097, 'p4097')}\n`);
    expect(codeOf(await c.nextReply())).toBe('frame_too_large');
    await c.waitClosed();
  });

  it('accepts a 60,000-byte frame after set_user', async () => {
    const name = uniqueName('big');
    const c = await registerClient(port(), name, PASSWORD, emailFor(name));
    c.sendRaw(`${paddedPing(60_000, 'p60k', c.token)}\n`);
    expect(await c.reply('p60k')).toMatchObject({ ok: true, data: 'pong' });
  });

  it('closes a connection streaming 70,000 bytes without a newline; others carry on', async () => {
    const names = [uniqueName('flood'), uniqueName('calm'), uniqueName('peer')];
    const [flood, calm, peer] = await Promise.all(
      names.map((n) => registerClient(port(), n, PASSWORD, emailFor(n))),
    );
    if (!flood || !calm || !peer) throw new Error('clients missing');
    const prefix = `{"action":"ping","tag":"huge","data":[],"token":"${flood.token}","pad":"`;
    const body = Buffer.from(prefix + 'x'.repeat(70_000 - prefix.length));
    for (let off = 0; off < body.length && !flood.isClosed; off += 7_000) {
      flood.sendRaw(body.subarray(off, off + 7_000));
      await sleep(20);
    }
    expect(codeOf(await flood.nextReply())).toBe('frame_too_large');
    await flood.waitClosed();
    expect(await calm.request('ping')).toMatchObject({ ok: true, data: 'pong' });
    const m = await calm.call('msg', [names[2], 'still here']);
    expect(m).toMatchObject({ ok: true, data: { delivered: true } });
    expect((await peer.nextEvent('message')).data.text).toBe('still here');
  });
});

describe('max_unauthenticated_per_ip', () => {
  const users = [seed('capa'), seed('capb')];
  const server = useServer({ config: { limits: { max_unauthenticated_per_ip: 2 } }, users });

  it('refuses the third unauthenticated connection and recovers after a login', async () => {
    const a = await connectClient(server().port);
    await connectClient(server().port);
    await expectBusy(server().port);
    await a.login('capa', PASSWORD);
    const c = await connectClient(server().port);
    expect(await c.request('ping')).toMatchObject({ ok: true, data: 'pong' });
  });
});

describe('max_connections', () => {
  const server = useServer({ config: { limits: { max_connections: 3 } } });

  it('refuses the 4th connection with server_busy', async () => {
    for (let i = 0; i < 3; i++) await connectClient(server().port);
    await expectBusy(server().port);
  });
});

describe('user_capacity', () => {
  const server = useServer({
    config: { limits: { user_capacity: 1 } },
    users: [seed('only1'), seed('only2')],
  });

  it('refuses a second session with server_busy and closes', async () => {
    await loginClient(server().port, 'only1', PASSWORD);
    const c = await connectClient(server().port);
    expect(codeOf(await c.request('veus', ['only2', PASSWORD], c.helloToken))).toBe('OK');
    expect(codeOf(await c.request('set_user', [], c.helloToken))).toBe('server_busy');
    await c.waitClosed();
  });
});

describe('password hashing cap', () => {
  const user = seed(uniqueName('hashed'));
  const server = useServer({
    config: { limits: { hash_concurrency: 1, hash_queue: 1 } },
    users: [user],
  });

  it('answers server_busy beyond the hashing cap, keeps the connection, and serves others', async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => connectClient(server().port)),
    );
    const replies = await Promise.all(
      clients.map((c) => c.request('veus', [user.username, 'x'.repeat(128)], c.helloToken)),
    );
    const codes = replies.map(codeOf);
    // Every request is answered: a wrong password, or refused before any hashing.
    for (const code of codes) expect(['invalid_credentials', 'server_busy']).toContain(code);
    expect(codes).toContain('server_busy');
    expect(codes).toContain('invalid_credentials');
    // A refused login is not a failed attempt and leaves the connection usable.
    const busy = clients[codes.indexOf('server_busy')] as TestClient;
    expect(
      codeOf(await busy.request('veus', [user.username, user.password], busy.helloToken)),
    ).toBe('OK');
  });
});
