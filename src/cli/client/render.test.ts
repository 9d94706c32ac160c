// How replies and events are shown, and that remote text cannot drive the terminal.
import { describe, expect, it } from 'vitest';
import { completions } from './completion.ts';
import { clock, formatEvent, formatReply, jsonEvent, jsonReply } from './render.ts';
import { makeStyle } from './style.ts';

const s = makeStyle(false);

describe('formatReply', () => {
  it('shows each command result in words', () => {
    const reply = (command: string, data: unknown, args: string[] = []) =>
      formatReply(command, args, { data }, s);
    expect(formatReply('ping', [], { data: 'pong', rttMs: 3.4 }, s)).toBe('pong (3 ms)');
    expect(
      reply('who', {
        users: [
          { id: '00001', username: 'alice' },
          { id: '00002', username: 'bob' },
        ],
        total: 3,
      }),
    ).toBe('3 online, showing 2\n  #00001  alice\n  #00002  bob');
    expect(reply('msg', { id: 'm1', delivered: true }, ['bob', 'hi'])).toBe('sent to bob');
    expect(reply('msg', { id: 'm1', delivered: false }, ['bob', 'hi'])).toBe(
      'sent to bob (stored until they are online)',
    );
    expect(reply('setlevel', { username: 'bob', level: 'admin' })).toBe('bob is now admin');
    expect(reply('kick', { username: 'bob', sessions: 2 })).toBe('kicked bob (2 sessions ended)');
    expect(reply('ban', { username: 'bob', banned: true })).toBe('bob is banned');
    expect(reply('unban', { username: 'bob', banned: false })).toBe('bob is no longer banned');
    expect(reply('id', '#00042')).toBe('#00042');
    expect(reply('new_action', { a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(reply('new_action', null)).toBe('ok');
  });

  it('shows whois with email, phone and banned only when the server sent them', () => {
    const base = {
      id: '00002',
      username: 'bob',
      level: 'basic',
      online: true,
      created_at: '2026-11-30T10:00:00.000Z',
    };
    const plain = formatReply('whois', ['bob'], { data: base }, s);
    expect(plain).toBe('bob (#00002, basic)\n  online:  yes\n  since:   2026-11-30T10:00:00.000Z');
    const full = {
      ...base,
      online: false,
      email: 'bob@example.com',
      phone: null,
      banned: true,
      ban_reason: 'spam',
    };
    const shown = formatReply('whois', ['bob'], { data: full }, s);
    expect(shown).toContain('  online:  no');
    expect(shown).toContain('  email:   bob@example.com\n  phone:   -\n  banned:  yes (spam)');
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
    expect(JSON.parse(jsonReply('who', 'show_online_users', { data: { total: 0 } }))).toEqual({
      type: 'reply',
      command: 'who',
      action: 'show_online_users',
      ok: true,
      data: { total: 0 },
    });
    // ping: the server's data as data, the round trip apart.
    expect(JSON.parse(jsonReply('ping', 'ping', { data: 'pong', rttMs: 1.6789 }))).toEqual({
      type: 'reply',
      command: 'ping',
      action: 'ping',
      ok: true,
      data: 'pong',
      rtt_ms: 1.68,
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
    expect(completions('wh', ctx)).toEqual([['who', 'whois'], 'wh']);
    expect(completions('ki', ctx)).toEqual([['kick', 'kill', 'kill_server'], 'ki']);
    expect(completions('msg b', ctx)).toEqual([['bea', 'bob'], 'b']);
    expect(completions('connect ', ctx)).toEqual([['127.0.0.1:12345 '], '']);
    expect(completions('msg bob hel', ctx)).toEqual([[], 'hel']);
  });

  it('ends a single candidate with a space, and completes /commands too', () => {
    expect(completions('ms', ctx)).toEqual([['msg '], 'ms']);
    expect(completions('/ms', ctx)).toEqual([['/msg '], '/ms']);
    expect(completions('/msg al', ctx)).toEqual([['alice '], 'al']);
    expect(completions('setlevel bob a', ctx)).toEqual([['admin '], 'a']);
    expect(completions('whois be', ctx)).toEqual([['bea '], 'be']);
  });
});
