// How replies and events are shown, and that remote text cannot drive the terminal.
import { describe, expect, it } from 'vitest';
import { completions } from './completion.ts';
import { clock, formatEvent, formatReply, jsonEvent, jsonReply } from './render.ts';
import { makeStyle } from './style.ts';

const s = makeStyle(false);

describe('formatReply', () => {
  it('shows each command result in words', () => {
    expect(formatReply('ping', [], 3.4, s)).toBe('pong (3 ms)');
    expect(
      formatReply(
        'who',
        [],
        {
          users: [
            { id: '00001', username: 'alice' },
            { id: '00002', username: 'bob' },
          ],
          total: 3,
        },
        s,
      ),
    ).toBe('3 online, showing 2\n  #00001  alice\n  #00002  bob');
    expect(formatReply('msg', ['bob', 'hi'], { id: 'm1', delivered: true }, s)).toBe('sent to bob');
    expect(formatReply('msg', ['bob', 'hi'], { id: 'm1', delivered: false }, s)).toBe(
      'sent to bob (stored until they are online)',
    );
    expect(formatReply('setlevel', [], { username: 'bob', level: 'admin' }, s)).toBe(
      'bob is now admin',
    );
    expect(formatReply('kick', [], { username: 'bob', sessions: 2 }, s)).toBe(
      'kicked bob (2 sessions ended)',
    );
    expect(formatReply('id', [], '#00042', s)).toBe('#00042');
    expect(formatReply('new_action', [], { a: [1, 2] }, s)).toBe('{"a":[1,2]}');
    expect(formatReply('new_action', [], null, s)).toBe('ok');
  });
});

describe('formatEvent', () => {
  it('shows messages with time and sender, and system notices', () => {
    const m = { from: 'alice', to: 'bob', text: 'hi', sent_at: '2026-01-01T10:05:00.000Z' };
    const shown = formatEvent('message', m, s, 'bob');
    expect(shown).toBe(`[${clock(m.sent_at)}] alice: hi`);
    expect(formatEvent('message', m, s, 'carol')).toContain('alice → bob: hi');
    expect(formatEvent('permission_changed', { level: 'admin', by: 'alice' }, s)).toBe(
      '* your permission level is now admin (changed by alice)',
    );
    expect(formatEvent('shutdown', { reason: 'maintenance', by: null }, s)).toBe(
      '* the server is shutting down: maintenance (by the operator)',
    );
    expect(formatEvent('disconnect', { reason: 'kicked' }, s)).toBe(
      '* disconnected by the server: you were kicked by an admin (kicked)',
    );
    expect(formatEvent('hello', {}, s)).toBeUndefined();
    expect(formatEvent('brand_new', { x: 1 }, s)).toBe('* event brand_new: {"x":1}');
  });

  it('neutralises escape sequences in message text and indents extra lines', () => {
    const m = { from: 'mallory', to: 'bob', text: 'a\x1b[2J\rb\nsecond', sent_at: 'x' };
    const shown = formatEvent('message', m, s, 'bob') as string;
    expect(shown).not.toContain('\x1b');
    expect(shown).not.toContain('\r');
    expect(shown).toContain('a\\x1b[2J\\x0db\n    second');
  });
});

describe('json lines', () => {
  it('are one JSON object per reply or event', () => {
    expect(JSON.parse(jsonReply('who', 'show_online_users', { total: 0 }))).toEqual({
      type: 'reply',
      command: 'who',
      action: 'show_online_users',
      ok: true,
      data: { total: 0 },
    });
    expect(JSON.parse(jsonEvent('message', { text: 'x' }))).toEqual({
      type: 'event',
      event: 'message',
      data: { text: 'x' },
    });
  });
});

describe('completions', () => {
  const ctx = { users: ['bob', 'alice', 'bea'], address: '127.0.0.1:12345' };
  it('completes command names, then user names and levels', () => {
    expect(completions('wh', ctx)).toEqual([['who'], 'wh']);
    expect(completions('ki', ctx)).toEqual([['kick', 'kill', 'kill_server'], 'ki']);
    expect(completions('msg b', ctx)).toEqual([['bea', 'bob'], 'b']);
    expect(completions('setlevel bob a', ctx)).toEqual([['admin'], 'a']);
    expect(completions('connect ', ctx)).toEqual([['127.0.0.1:12345'], '']);
    expect(completions('msg bob hel', ctx)).toEqual([[], 'hel']);
  });
});
