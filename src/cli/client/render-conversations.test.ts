// How stored conversations are shown: the away summary, convs, and group messages.
import { describe, expect, it } from 'vitest';
import { formatEvent } from './render.ts';
import { formatAway, formatConversations } from './render-conversations.ts';
import { makeStyle } from './style.ts';

const s = makeStyle(false);
const at = new Date(2020, 2, 4, 18, 5).toISOString();
const now = new Date();
const today = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 9, 30).toISOString();

const msg = (from: string, to: string, text: string, conv = 'dm:00001:00002') => ({
  conv,
  from,
  to,
  text,
  sent_at: today,
});

describe('formatAway', () => {
  it('counts by conversation, shows the last three lines of each, and where the rest is', () => {
    const list = [
      ...['a0', 'a1', 'a2', 'a3', 'a4'].map((t) => msg('alice', 'bob', t)),
      msg('bob', 'carol', 'mine, from another session', 'dm:00002:00003'),
      msg('dave', '#lab', 'in the group', '#lab'),
    ];
    expect(formatAway(list, 'bob', s).split('\n')).toEqual([
      '* 7 messages while you were away',
      '  @alice (5):',
      '    … 2 more: history @alice 5',
      '    [09:30] alice: a2',
      '    [09:30] alice: a3',
      '    [09:30] alice: a4',
      '  @carol (1):',
      '    [09:30] bob: mine, from another session',
      '  #lab (1):',
      '    [09:30] [#lab] dave: in the group',
    ]);
    expect(formatAway([msg('alice', 'bob', 'x')], 'bob', s).split('\n')[0]).toBe(
      '* 1 message while you were away',
    );
  });
});

describe('formatConversations', () => {
  it('lists unread counts and last messages, dated when not today', () => {
    const text = formatConversations(
      {
        conversations: [
          {
            conv: 'dm:1:2',
            kind: 'direct',
            title: 'alice',
            unread: 2,
            last: msg('alice', 'bob', 'hi'),
          },
          {
            conv: '#lab',
            kind: 'group',
            title: '#lab',
            unread: 0,
            last: { ...msg('d', '#lab', 'yo', '#lab'), sent_at: at },
          },
        ],
        total: 3,
      },
      s,
    );
    expect(text.split('\n')).toEqual([
      '3 conversations, showing the newest 2',
      '  @alice  2 unread  [09:30] alice: hi',
      '  #lab    read  [2020-03-04 18:05] [#lab] d: yo',
    ]);
  });
});

describe('live messages', () => {
  it('show direct ones as "alice: hi" and group ones with the group first', () => {
    expect(formatEvent('message', msg('alice', 'bob', 'hi'), s, 'bob')).toBe('[09:30] alice: hi');
    expect(formatEvent('message', msg('bob', 'alice', 'hi'), s, 'bob')).toBe(
      '[09:30] bob → alice: hi',
    );
    expect(formatEvent('message', msg('alice', '#lab', 'hi', '#lab'), s, 'bob')).toBe(
      '[09:30] [#lab] alice: hi',
    );
    expect(formatEvent('read', { conv: 'dm:1:2', seq: 4, by: 'alice' }, s)).toBe(
      '* alice has read your messages up to #4',
    );
  });
});
