import { describe, expect, it } from 'vitest';
import {
  framePosition,
  sendReplyJson,
  storedMessageFrame,
  storedMessageId,
  type WireMessage,
} from './message-frames.ts';

const m: WireMessage = {
  id: storedMessageId(1234, 987_654),
  conv: 'dm:00001:00002',
  seq: 987_654,
  from: 'alice',
  to: 'bob "b"',
  text: 'hi\n"there" 🎉',
  sent_at: '2026-12-01T18:00:00.000Z',
};

describe('stored message frames', () => {
  it('are exactly the JSON of the event, with client_id and replayed when given', () => {
    const frame = storedMessageFrame(m, false);
    expect(frame.endsWith('\n')).toBe(true);
    expect(JSON.parse(frame)).toEqual({ event: 'message', tag: 'chat', data: m });
    const full = { ...m, client_id: 'c-41_x' };
    expect(JSON.parse(storedMessageFrame(full, true))).toEqual({
      event: 'message',
      tag: 'chat',
      data: { ...full, replayed: true },
    });
    expect(storedMessageFrame(full, true)).toBe(
      `${JSON.stringify({ event: 'message', tag: 'chat', data: { ...full, replayed: true } })}\n`,
    );
  });

  it('give back their position, and other frames none', () => {
    expect(framePosition(storedMessageFrame(m, false))).toEqual({ convId: 1234, seq: 987_654 });
    expect(framePosition('{"event":"read","tag":"system","data":{}}\n')).toBeUndefined();
    expect(
      framePosition('{"event":"message","tag":"chat","data":{"id":"m_01J0000000000000000000000"}}'),
    ).toBeUndefined();
  });
});

describe('stored send replies', () => {
  it('are exactly the JSON of the result, with duplicate when given', () => {
    const r = { id: storedMessageId(35, 1_000), conv: 'dm:1:35', seq: 1_000, delivered: false };
    expect(sendReplyJson(r, false)).toBe(JSON.stringify(r));
    expect(sendReplyJson({ ...r, delivered: true }, true)).toBe(
      JSON.stringify({ ...r, delivered: true, duplicate: true }),
    );
  });
});
