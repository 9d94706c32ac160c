// The kept cursor follows storage's rule for one's own messages, and is forgotten when an
// unwritten ack makes storage's answer unknown.
import { describe, expect, it } from 'vitest';
import { AckedConversations } from './acked-conversations.ts';

describe('AckedConversations', () => {
  it("moves the kept cursor onto the session's own message only from just below it", () => {
    const acked = new AckedConversations<object>(() => false);
    const session = {};
    acked.remember(session, 'dm:1:2', 7, 3);
    acked.sent(session, 'dm:1:2', 4);
    expect(acked.get(session, 'dm:1:2')).toEqual({ convId: 7, cursor: 4 });
    acked.sent(session, 'dm:1:2', 7); // 5 and 6 from the other, not acked
    expect(acked.get(session, 'dm:1:2')?.cursor).toBe(4);
    expect(acked.get({}, 'dm:1:2')).toBeUndefined();
  });

  it('forgets the conversation when an ack of it was not written as the message committed', () => {
    const acked = new AckedConversations<object>((_, convId) => convId === 7);
    const session = {};
    acked.remember(session, 'dm:1:2', 7, 3);
    acked.remember(session, 'dm:1:3', 8, 1);
    acked.sent(session, 'dm:1:2', 4);
    acked.sent(session, 'dm:1:3', 3);
    expect(acked.get(session, 'dm:1:2')).toBeUndefined();
    expect(acked.get(session, 'dm:1:3')).toEqual({ convId: 8, cursor: 1 });
  });
});
