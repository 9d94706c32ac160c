// TCP framing: NDJSON line limits, a line that never ends, \r\n. (The WebSocket
// framing tests are in framing.ws.test.ts; everything above framing is in cases/.)
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, registerClient } from './client.ts';
import { cleanup, useServer } from './harness.ts';
import { codeOf, emailFor, PASSWORD, paddedPing, sleep, uniqueName } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

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

describe('line endings', () => {
  const server = useServer();

  it('accepts \\r\\n line endings', async () => {
    const c = await connectClient(server().port);
    c.sendRaw(
      '{"action":"ping","tag":"crlf1","data":[]}\r\n{"action":"ping","tag":"crlf2","data":[]}\r\n',
    );
    expect(await c.reply('crlf1')).toMatchObject({ ok: true, data: 'pong' });
    expect(await c.reply('crlf2')).toMatchObject({ ok: true, data: 'pong' });
  });
});
