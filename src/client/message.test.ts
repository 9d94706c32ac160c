// Request envelopes and the classification of server frames.
import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.ts';
import { genMessage, parseServerFrame } from './message.ts';

describe('genMessage', () => {
  it('builds the envelope and leaves token out when undefined', () => {
    expect(genMessage('ping', [], '1')).toEqual({ action: 'ping', data: [], tag: '1' });
    expect(Object.keys(genMessage('ping', [], '1'))).not.toContain('token');
    expect(genMessage('msg', ['bob', 'hi'], '7', 's_x')).toEqual({
      action: 'msg',
      data: ['bob', 'hi'],
      tag: '7',
      token: 's_x',
    });
  });
});

describe('parseServerFrame', () => {
  it('tells replies, events and garbage apart', () => {
    expect(parseServerFrame('{"tag":"7","ok":true,"data":"pong"}')).toEqual({
      kind: 'reply',
      reply: { tag: '7', ok: true, data: 'pong' },
    });
    expect(
      parseServerFrame(
        '{"tag":null,"ok":false,"error":{"code":"server_busy","message":"full","retry_after_ms":5}}',
      ),
    ).toEqual({
      kind: 'reply',
      reply: {
        tag: null,
        ok: false,
        error: { code: 'server_busy', message: 'full', retry_after_ms: 5 },
      },
    });
    expect(parseServerFrame('{"event":"x","tag":"t","data":{"a":1}}')).toEqual({
      kind: 'event',
      event: { event: 'x', tag: 't', data: { a: 1 } },
    });
    for (const bad of ['nope', '[1]', '"s"', 'null', '{"tag":"1"}']) {
      expect(parseServerFrame(bad).kind).toBe('invalid');
    }
  });
});

describe('EventQueue', () => {
  it('delivers buffered and awaited items, ends after close, and detaches once', async () => {
    let detached = 0;
    const q = new EventQueue(() => {
      detached += 1;
    });
    q.push({ event: 'unknown', name: 'x', tag: 't', data: 1 });
    const waiting = q.next().then((r) => r.value);
    const first = await waiting;
    expect(first).toMatchObject({ name: 'x' });
    const pendingNext = q.next();
    q.push({ event: 'close', tag: null, data: { reason: 'kicked' } });
    q.push({ event: 'unknown', name: 'late', tag: 't', data: 2 });
    expect((await pendingNext).value).toMatchObject({ event: 'close' });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(detached).toBe(1);
  });
});
