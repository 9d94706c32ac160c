// Hostile bytes on the wire: silent and oversized connections, split frames,
// garbage, prototype keys and deep nesting. Each attack must be answered as
// documented while memory stays bounded and the control users keep chatting.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  closeAllClients,
  connectClient,
  registerClient,
  type TestClient,
} from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { codeOf, emailFor, PASSWORD, paddedPing, sleep, uniqueName } from '../protocol/util.ts';
import { expectBoundedMemory, MemoryWatch, record } from './measure.ts';
import { prng } from './raw-socket.ts';
import { assertControlStillWorks, CONTROL, itSurvives, onlineUsers, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const MiB = 1024 * 1024;

/** Writes `total` bytes of one endless line, waiting for drain, until the server closes. */
async function streamWithoutNewline(c: TestClient, head: string, total: number): Promise<number> {
  const socket = c.socket;
  if (!socket) throw new Error('not connected');
  const block = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const deadline = Date.now() + 15_000;
  if (c.sendRaw(head)) sent += Buffer.byteLength(head);
  while (sent < total && !c.isClosed && Date.now() < deadline) {
    const part = block.subarray(0, Math.min(block.length, total - sent));
    if (!c.sendRaw(part)) break;
    sent += part.length;
    if (socket.writableLength > MiB) {
      await Promise.race([
        new Promise((resolve) => socket.once('drain', resolve)),
        c.closed,
        sleep(500),
      ]);
    }
  }
  return sent;
}

describe('login deadline', () => {
  const arena = useArena({ config: { session: { hello_ttl_s: 2 } } });

  it('drops silent, pinging and verified-but-idle connections at the hello-token deadline', async () => {
    const mem = new MemoryWatch(arena().pid);
    const started = Date.now();
    const silent = await connectClient(arena().port);
    const chatty = await connectClient(arena().port);
    // Verified (registered), but never asks for its session.
    const name = uniqueName('idle');
    const verified = await connectClient(arena().port);
    expect(
      codeOf(
        await verified.request(
          'create_user',
          [name, PASSWORD, emailFor(name)],
          verified.helloToken,
        ),
      ),
    ).toBe('OK');
    // Pings count as liveness for sessions, but never extend the login window.
    const pinging = (async () => {
      for (let i = 0; i < 40 && !chatty.isClosed; i++) {
        chatty.send({ action: 'ping', tag: `k${i}`, data: [] });
        await sleep(100);
      }
    })();
    for (const c of [silent, chatty, verified]) {
      expect(await c.nextEvent('disconnect', 6_000)).toMatchObject({
        tag: 'system',
        data: { reason: 'login_timeout' },
      });
      await c.waitClosed(3_000);
    }
    await pinging;
    const elapsed = Date.now() - started;
    record('login deadline (hello_ttl_s 2)', { closed_after_ms: elapsed });
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(silent.received.filter((f) => 'ok' in f)).toEqual([]);
    expect((await onlineUsers(arena().alice)).names).toEqual([...CONTROL]);
    expectBoundedMemory(mem, 'login deadline');
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});

describe('hostile frames', () => {
  const arena = useArena();
  const port = () => arena().port;

  it('closes a connection sending a 4,097-byte line before login (frame_too_large)', async () => {
    const mem = new MemoryWatch(arena().pid);
    const c = await connectClient(port());
    const line = Buffer.from(`${paddedPing(4097, 'big')}\n`);
    // In three pieces, so the limit is enforced across reads too.
    for (const [from, to] of [
      [0, 1000],
      [1000, 4000],
      [4000, line.length],
    ]) {
      c.sendRaw(line.subarray(from, to));
      await sleep(5);
    }
    expect(await c.nextReply()).toMatchObject({
      tag: null,
      ok: false,
      error: { code: 'frame_too_large' },
    });
    await c.waitClosed();
    expectBoundedMemory(mem, '4,097-byte line');
    await assertControlStillWorks(arena());
  });

  it('closes a connection streaming 10 MiB without a newline, before and after login', async () => {
    const mem = new MemoryWatch(arena().pid);
    const pre = await connectClient(port());
    const preSent = await streamWithoutNewline(pre, '{"action":"ping","tag":"x","pad":"', 10 * MiB);
    expect(codeOf(await pre.nextReply())).toBe('frame_too_large');
    await pre.waitClosed(5_000);

    const name = uniqueName('stream');
    const post = await registerClient(port(), name, PASSWORD, emailFor(name));
    const head = `{"action":"ping","tag":"y","token":"${post.token}","pad":"`;
    const postSent = await streamWithoutNewline(post, head, 10 * MiB);
    expect(codeOf(await post.nextReply())).toBe('frame_too_large');
    await post.waitClosed(5_000);
    // Its session went with the connection.
    expect((await onlineUsers(arena().alice)).names).not.toContain(name);
    record('10 MiB without newline', {
      accepted_by_kernel_before_login_MiB: Math.round((preSent / MiB) * 10) / 10,
      accepted_by_kernel_in_session_MiB: Math.round((postSent / MiB) * 10) / 10,
    });
    expectBoundedMemory(mem, '10 MiB without newline');
    await assertControlStillWorks(arena());
  }, 40_000);

  it('parses frames split at random byte offsets exactly like unsplit ones', async () => {
    const mem = new MemoryWatch(arena().pid);
    const names = [uniqueName('whole'), uniqueName('split')];
    const [whole, split] = await Promise.all(
      names.map((n) => registerClient(port(), n, PASSWORD, emailFor(n))),
    );
    if (!whole || !split) throw new Error('clients missing');
    const bob = CONTROL[1];
    // Multi-byte text, so cuts land inside UTF-8 sequences; one frame over 4 KiB.
    const texts = [
      'héllo wörld ✓ 😀 日本語',
      '𝄞'.repeat(500) + 'ß'.repeat(1000) + '😀'.repeat(800),
    ];
    const frames = (token: string) => [
      `${JSON.stringify({ action: 'ping', tag: 'a1', data: [] })}\n`,
      `${JSON.stringify({ action: 'get_permission_level', tag: 'a2', data: [], token })}\n`,
      `${JSON.stringify({ action: 'who', tag: 'a3', data: [], token })}\n`,
      `${JSON.stringify({ action: 'msg', tag: 'a4', data: [bob, texts[0]], token })}\n`,
      `${JSON.stringify({ action: 'msg', tag: 'a5', data: [bob, texts[1]], token })}\r\n`,
      `${JSON.stringify({ action: 'msg', tag: 'a6', data: [bob, ''], token })}\n`,
      `${JSON.stringify({ action: 'no_such_action', tag: 'a7', data: [], token })}\n`,
      `${JSON.stringify({ action: 'get_id', tag: 'a8', data: [], token })}\n`,
    ];
    const tags = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'];
    // Replies with the per-user and random parts (message ids, user id) masked.
    const normalize = (f: object) =>
      JSON.stringify(f)
        .replace(/m_[0-9A-Z]{26}/g, '<message id>')
        // Stored messages: ids, conversations and positions differ per sender and round.
        .replace(/"id":"m_[0-9a-z]+_[0-9a-z]+","conv":"dm:\d+:\d+","seq":\d+/g, '<stored message>')
        .replace(/"#\d{5,}"/g, '"<user id>"');
    const collect = async (c: TestClient) => {
      const out: string[] = [];
      for (const tag of tags) out.push(normalize(await c.reply(tag)));
      return out;
    };

    whole.sendRaw(frames(whole.token as string).join(''));
    const expected = await collect(whole);
    expect(expected[0]).toContain('pong');

    const bytes = Buffer.from(frames(split.token as string).join(''));
    let chunks = 0;
    for (const seed of [1, 2, 3]) {
      const rand = prng(seed);
      let off = 0;
      while (off < bytes.length) {
        const len = 1 + Math.floor(rand() * 97);
        split.socket?.cork();
        split.sendRaw(bytes.subarray(off, off + len));
        split.socket?.uncork();
        off += len;
        chunks += 1;
        await sleep(1 + Math.floor(rand() * 2));
      }
      expect(await collect(split), `seed ${seed}`).toEqual(expected);
    }
    record('random splits', { bytes_per_round: bytes.length, rounds: 3, chunks });
    // The recipient got every text intact, from both senders.
    const got = (from: string) =>
      arena()
        .bob.received.filter((f) => f.event === 'message' && f.data?.from === from)
        .map((f) => f.data.text);
    expect(got(names[0] as string)).toEqual(texts);
    expect(got(names[1] as string)).toEqual([...texts, ...texts, ...texts]);
    expectBoundedMemory(mem, 'random splits');
    await assertControlStillWorks(arena());
  });

  it('answers NUL bytes, invalid UTF-8 and wrong JSON types, then closes after 10 errors', async () => {
    const mem = new MemoryWatch(arena().pid);
    const c = await connectClient(port());
    const h = c.helloToken as string;
    const j = (o: unknown) => Buffer.from(JSON.stringify(o));
    const raw = (...parts: Array<string | number[]>) =>
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    const lines: Array<[Buffer, string]> = [
      [raw([0, 0, 0, 0]), 'bad_json'],
      [raw('{"action":"ping",', [0], '"tag":"n0"}'), 'bad_json'],
      [j({ action: 'ping', tag: 'n\u0000', data: [] }), 'OK'],
      [raw('{"action":"ping","tag":"u1","data":["', [0xff, 0xfe], '"]}'), 'bad_json'],
      [raw('{"action":"ping","tag":"u2","data":["', [0xc0, 0xaf], '"]}'), 'bad_json'],
      [raw('{"action":"ping","tag":"u3","data":["', [0xed, 0xa0, 0x80], '"]}'), 'bad_json'],
      [j([]), 'bad_json'],
      [j('ping'), 'bad_json'],
      [j({ action: 42, tag: 'w1' }), 'bad_request'],
      [j({ action: 'ping', tag: 'w2', data: { a: 1 } }), 'bad_request'],
      [j({ action: 'veus', tag: 'i1', data: [1, 2], token: h }), 'invalid_input'],
      [j({ action: 'veus', tag: 'i2', data: ['nul\u0000user', 'x'], token: h }), 'invalid_input'],
      [
        j({ action: 'create_user', tag: 'i3', data: ['okname', 1, 'a@b.io'], token: h }),
        'invalid_input',
      ],
      [j({ action: 'ping', tag: ['x'] }), 'bad_request'],
      [j({ action: 'ping', tag: 'after', data: [] }), 'never answered'],
    ];
    c.sendRaw(Buffer.concat(lines.flatMap(([line]) => [line, Buffer.from('\n')])));
    const codes: string[] = [];
    for (let i = 0; i < lines.length - 1; i++) codes.push(codeOf(await c.nextReply()));
    expect(codes).toEqual(lines.slice(0, -1).map(([, code]) => code));
    expect(await c.nextEvent('disconnect')).toMatchObject({ data: { reason: 'too_many_errors' } });
    await c.waitClosed();
    expect(c.received.some((f) => f.tag === 'after')).toBe(false);
    expectBoundedMemory(mem, 'garbage frames');
    await assertControlStillWorks(arena());
  });

  it('refuses __proto__/constructor keys and 9-deep nesting with bad_request, changing nothing', async () => {
    const mem = new MemoryWatch(arena().pid);
    const name = uniqueName('proto');
    const c = await registerClient(port(), name, PASSWORD, emailFor(name));
    const t = JSON.stringify(c.token);
    const arrays = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const attacks = [
      `{"action":"change_permission_level","tag":"p1","token":${t},"data":["${name}","admin"],"__proto__":{"level":"admin"}}`,
      `{"action":"get_permission_level","tag":"p2","token":${t},"data":[],"__proto__":{"token":"x","data":["a"],"level":"admin","isAdmin":true}}`,
      `{"action":"msg","tag":"p3","token":${t},"data":["${CONTROL[1]}",{"__proto__":{"polluted":1}}]}`,
      `{"action":"ping","tag":"p4","data":[],"constructor":{"prototype":{"polluted":1,"data":["a"]}}}`,
      `{"action":"ping","tag":"p5","data":[{"a":{"prototype":1}}]}`,
      // data is depth 2, so 8 arrays reach depth 9.
      `{"action":"ping","tag":"p6","data":${arrays(8)}}`,
      `{"action":"ping","tag":"p7","data":[{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}]}`,
      // Deep enough to break a recursive walker, still inside the 64 KiB session limit.
      `{"action":"ping","tag":"p8","data":${arrays(30_000)}}`,
    ];
    c.sendRaw(`${attacks.join('\n')}\n`);
    for (let i = 1; i <= attacks.length; i++) {
      expect(codeOf(await c.reply(`p${i}`)), `p${i}`).toBe('bad_request');
    }
    // Depth 8 is still parsed (ping takes no inputs, so invalid_input, not bad_request).
    c.sendRaw(`{"action":"ping","tag":"d8","data":${arrays(7)}}\n`);
    expect(codeOf(await c.reply('d8'))).toBe('invalid_input');
    // Nothing changed: no inherited data/token/level, the user is still basic.
    c.sendRaw('{"action":"ping","tag":"f1"}\n');
    expect(await c.reply('f1')).toMatchObject({ ok: true, data: 'pong' });
    expect(await c.call('get_permission_level')).toMatchObject({ ok: true, data: 'basic' });
    expect(codeOf(await c.call('change_permission_level', [CONTROL[0], 'admin']))).toBe(
      'forbidden',
    );
    expect(await arena().alice.call('get_permission_level')).toMatchObject({ data: 'basic' });
    expect((await onlineUsers(arena().alice)).names).toContain(name);
    expect(c.isClosed).toBe(false);
    expectBoundedMemory(mem, 'prototype keys and nesting');
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});
