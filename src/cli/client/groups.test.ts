// Unit tests for the client's group pieces: names as typed, member-event lines, the group form
// of kick/ban/unban, and completion of group names.
import { describe, expect, it } from 'vitest';
import { completions } from './completion.ts';
import { groupArg, messageTarget } from './group-commands.ts';
import { groupFormAction } from './group-execute.ts';
import { parseLine } from './parse.ts';
import { formatEvent, formatReply } from './render.ts';
import { makeStyle } from './style.ts';

const s = makeStyle(false);

describe('group names as typed', () => {
  it('accepts #lab, lab and #Lab as #lab, and refuses what the server would', () => {
    expect(['#lab', 'lab', '#Lab'].map(groupArg)).toEqual(['#lab', '#lab', '#lab']);
    for (const bad of ['#', '#a', '#-lab', '#la b', `#${'x'.repeat(33)}`]) {
      expect(() => groupArg(bad), bad).toThrow(/not a group name/);
    }
    expect(messageTarget('#Lab')).toBe('#lab');
    expect(messageTarget('@bob')).toBe('bob');
    expect(messageTarget('bob')).toBe('bob');
  });

  it('sends the group action only when the first word names a group', () => {
    expect(groupFormAction('kick', '#lab')).toBe('group_kick');
    expect(groupFormAction('kick', 'bob')).toBeUndefined();
    expect(groupFormAction('msg', '#lab')).toBe('message_group');
    expect(parseLine('ban #lab bob')).toMatchObject({ kind: 'command', args: ['#lab', 'bob'] });
  });
});

describe('member events', () => {
  const line = (d: object, me = 'carol') => formatEvent('member', d, s, me);

  it('reads as a sentence in the group, with "you" for the user themself', () => {
    const base = { conv: '#lab', role: 'member' };
    expect(line({ ...base, username: 'bob', change: 'joined', by: 'bob' })).toBe(
      '[#lab] * bob joined',
    );
    expect(line({ ...base, username: 'bob', change: 'kicked', by: 'alice', role: null })).toBe(
      '[#lab] * bob was kicked by alice',
    );
    expect(line({ ...base, username: 'carol', change: 'banned', by: 'alice', role: null })).toBe(
      '[#lab] * you were banned by alice',
    );
    expect(line({ ...base, username: 'carol', change: 'invited', by: 'alice', role: null })).toBe(
      '[#lab] * you were invited by alice (join #lab to accept)',
    );
    expect(line({ ...base, username: 'bob', change: 'role', by: 'alice', role: 'owner' })).toBe(
      '[#lab] * bob is now owner (by alice)',
    );
    expect(line({ ...base, username: 'alice', change: 'deleted', by: 'alice', role: null })).toBe(
      '[#lab] * the group was deleted by alice',
    );
  });

  it('shows group replies with the group, and server-wide ones as before', () => {
    const kicked = formatReply(
      'kick',
      ['#lab', 'bob'],
      { data: { conv: '#lab', username: 'bob' } },
      s,
    );
    expect(kicked).toBe('kicked bob from #lab');
    const server = formatReply('kick', ['bob'], { data: { username: 'bob', sessions: 1 } }, s);
    expect(server).toBe('kicked bob (1 session ended)');
    expect(formatReply('leave', ['lab'], { data: 'left' }, s)).toBe('left #lab');
  });
});

describe('completion of groups', () => {
  const ctx = { users: ['bob', 'bea'], groups: ['#lab', '#lounge'], address: 'x:1' };

  it('offers groups where a group fits, then users after the group', () => {
    expect(completions('join #l', ctx)[0]).toEqual(['#lab', '#lounge']);
    expect(completions('switch #la', ctx)[0]).toEqual(['#lab ']);
    expect(completions('kick #lab b', ctx)[0]).toEqual(['bea', 'bob']);
    expect(completions('role #lab bob mod', ctx)[0]).toEqual(['moderator ']);
    expect(completions('msg ', ctx)[0]).toEqual(['#lab', '#lounge', 'bea', 'bob']);
  });
});
