// Hello event, ping, NDJSON framing rules, error budget and per-connection ordering.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, type TestClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from '../util.ts';

/** The Hello, ping, envelope errors, the error budget and per-connection ordering cases, run over `wire`. */
export function helloCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('hello and ping', () => {
    const server = useServer();

    it('sends hello with the documented fields as the first frame', async () => {
      const c = await connectClient(wire.endpoint(server()));
      const hello = c.received[0];
      expect(hello?.event).toBe('hello');
      expect(hello?.tag).toBe('join_protocol');
      const d = hello?.data;
      expect(typeof d.server).toBe('string');
      expect(typeof d.version).toBe('string');
      expect(d.protocol).toBe(1);
      expect(typeof d.token).toBe('string');
      expect(d.token.length).toBeGreaterThan(0);
      expect(d).toMatchObject({
        token_expires_in_s: 120,
        heartbeat_interval_s: 5,
        heartbeat_timeout_s: 15,
        max_frame_bytes: 65536,
        max_frame_bytes_before_login: 4096,
        features: ['history', 'groups'],
      });
      expect(d.epoch).toMatch(/^[0-9a-f]{32}$/);
    });

    it('gives two connections different hello tokens', async () => {
      const a = await connectClient(wire.endpoint(server()));
      const b = await connectClient(wire.endpoint(server()));
      expect(a.helloToken).toBeTruthy();
      expect(a.helloToken).not.toBe(b.helloToken);
    });

    it('answers ping without a token', async () => {
      const c = await connectClient(wire.endpoint(server()));
      const r = await c.request('ping');
      expect(r).toMatchObject({ tag: expect.any(String), ok: true, data: 'pong' });
    });

    it('answers ping with any token', async () => {
      const c = await connectClient(wire.endpoint(server()));
      expect((await c.request('ping', [], 'not-a-real-token')).data).toBe('pong');
      expect((await c.request('ping', [], c.helloToken)).data).toBe('pong');
    });

    it('accepts a tag of 64 code points even when it takes 128 UTF-16 units', async () => {
      const c = await connectClient(wire.endpoint(server()));
      const tag = '\u{1F600}'.repeat(64);
      c.send({ action: 'ping', data: [], tag });
      expect(await c.reply(tag)).toMatchObject({ ok: true, data: 'pong' });
      c.send({ action: 'ping', data: [], tag: `${tag}x` });
      expect(await c.nextReply()).toMatchObject({ tag: null, ok: false });
    });
  });

  describe('framing errors', () => {
    const server = useServer();

    async function fresh(): Promise<TestClient> {
      return connectClient(wire.endpoint(server()));
    }

    async function expectPingWorks(c: TestClient) {
      expect(await c.request('ping')).toMatchObject({ ok: true, data: 'pong' });
    }

    it('answers invalid JSON with bad_json, tag null, and keeps the connection', async () => {
      const c = await fresh();
      c.sendFrame('{this is not json');
      const r = await c.nextReply();
      expect(codeOf(r)).toBe('bad_json');
      expect(r.tag).toBeNull();
      await expectPingWorks(c);
    });

    it.each(['[1]', '"x"', '3', 'null'])(
      'answers the non-object %s with bad_json',
      async (line) => {
        const c = await fresh();
        c.sendFrame(line);
        expect(codeOf(await c.nextReply())).toBe('bad_json');
        await expectPingWorks(c);
      },
    );

    const badEnvelopes: Array<[string, unknown]> = [
      ['missing action', { tag: 'a1', data: [] }],
      ['missing tag', { action: 'ping', data: [] }],
      ['numeric tag', { action: 'ping', tag: 7, data: [] }],
      ['65-char tag', { action: 'ping', tag: 'x'.repeat(65), data: [] }],
      ['empty tag', { action: 'ping', tag: '', data: [] }],
      ['object data', { action: 'ping', tag: 'a2', data: {} }],
      ['string data', { action: 'ping', tag: 'a3', data: 'x' }],
    ];

    it.each(badEnvelopes)('answers %s with bad_request', async (_name, msg) => {
      const c = await fresh();
      c.send(msg);
      expect(codeOf(await c.nextReply())).toBe('bad_request');
      await expectPingWorks(c);
    });

    it('accepts a 64-char tag and echoes it', async () => {
      const c = await fresh();
      const tag = 'y'.repeat(64);
      c.send({ action: 'ping', tag, data: [] });
      expect(await c.reply(tag)).toMatchObject({ ok: true, data: 'pong' });
    });

    it('answers an unknown action with unknown_action and echoes the tag', async () => {
      const c = await fresh();
      c.send({ action: 'no_such_action', tag: 'unk-1', data: [] });
      const r = await c.reply('unk-1');
      expect(codeOf(r)).toBe('unknown_action');
    });

    const poisoned = [
      '{"action":"ping","tag":"p1","data":[],"__proto__":{"x":1}}',
      '{"action":"ping","tag":"p2","data":[{"__proto__":{"admin":true}}]}',
      '{"action":"ping","tag":"p3","data":[],"constructor":{"prototype":{}}}',
      '{"action":"ping","tag":"p4","data":[[{"constructor":1}]]}',
      '{"action":"ping","tag":"p5","data":[{"prototype":1}]}',
    ];

    it.each(poisoned)('answers %s with bad_request', async (line) => {
      const c = await fresh();
      c.sendFrame(line);
      expect(codeOf(await c.nextReply())).toBe('bad_request');
    });

    it('rejects nesting depth 9 with bad_request', async () => {
      const c = await fresh();
      // envelope (1) + data (2) + 7 more arrays = depth 9
      c.sendFrame(`{"action":"ping","tag":"deep9","data":${'['.repeat(8)}${']'.repeat(8)}}`);
      expect(codeOf(await c.nextReply())).toBe('bad_request');
    });

    it('accepts nesting depth 8 (not bad_request)', async () => {
      const c = await fresh();
      c.sendFrame(`{"action":"ping","tag":"deep8","data":${'['.repeat(7)}${']'.repeat(7)}}`);
      const r = await c.reply('deep8');
      expect(['OK', 'invalid_input']).toContain(codeOf(r));
      c.sendRaw(
        `{"action":"veus","tag":"deep8b","data":${'['.repeat(7)}${']'.repeat(7)},"token":"${c.helloToken}"}\n`,
      );
      expect(codeOf(await c.reply('deep8b'))).not.toBe('bad_request');
    });

    it('disconnects after the 10th protocol error (too_many_errors)', async () => {
      const c = await fresh();
      const bad = [
        '{oops',
        '[1]',
        '{"tag":"e3","data":[]}',
        '{"action":"nope","tag":"e4","data":[]}',
      ];
      for (let i = 0; i < 9; i++) {
        c.sendFrame(bad[i % bad.length] as string);
        const r = await c.nextReply();
        expect(['bad_json', 'bad_request', 'unknown_action']).toContain(codeOf(r));
      }
      c.send({ action: 'nope', tag: 'e10', data: [] });
      expect(codeOf(await c.reply('e10'))).toBe('unknown_action');
      const ev = await c.nextEvent('disconnect');
      expect(ev).toMatchObject({ tag: 'system', data: { reason: 'too_many_errors' } });
      await c.waitClosed();
    });

    it('keeps the connection after 9 protocol errors', async () => {
      const c = await fresh();
      for (let i = 0; i < 9; i++) {
        c.sendFrame('{broken');
        expect(codeOf(await c.nextReply())).toBe('bad_json');
      }
      await expectPingWorks(c);
      expect(c.isClosed).toBe(false);
    });
  });

  describe('per-connection ordering', () => {
    const server = useServer();

    it('answers 20 pipelined requests in request order', async () => {
      const c = await connectClient(wire.endpoint(server()));
      const ghost = uniqueName('ghost');
      const lines: string[] = [];
      const tags: string[] = [];
      for (let i = 0; i < 20; i++) {
        const tag = `o${i}`;
        tags.push(tag);
        let msg: Record<string, unknown>;
        if (i === 19) msg = { action: 'create_user', tag, data: [ghost], token: c.helloToken };
        else if (i === 5 || i === 13)
          msg = { action: 'veus', tag, data: [ghost, PASSWORD], token: c.helloToken };
        else if (i % 6 === 2) msg = { action: 'nope', tag, data: [] };
        else if (i % 7 === 3) msg = { action: 'get_id', tag, data: [] };
        else msg = { action: 'ping', tag, data: [], pad: emailFor(ghost) };
        lines.push(JSON.stringify(msg));
      }
      c.sendFrames(lines);
      const replyTags: unknown[] = [];
      for (let i = 0; i < 20; i++) replyTags.push((await c.nextReply()).tag);
      expect(replyTags).toEqual(tags);
    });
  });
}
