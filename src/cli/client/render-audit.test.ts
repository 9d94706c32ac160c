// The `audit` command's output: one line per entry, and remote text cannot drive the terminal.
import { describe, expect, it } from 'vitest';
import { parseLine } from './parse.ts';
import { formatReply } from './render.ts';
import { makeStyle } from './style.ts';

const s = makeStyle(false);
const entry = (over: Record<string, unknown>) => ({
  at: '2026-11-25T10:00:00.000Z',
  actor: 'root',
  action: 'kick',
  target: 'bob',
  outcome: 'ok',
  detail: null,
  address: '127.0.0.1',
  ...over,
});

describe('audit command', () => {
  it('maps to audit_log and checks its count', () => {
    expect(parseLine('audit')).toMatchObject({ kind: 'command', spec: { name: 'audit' } });
    expect(parseLine('audit_log 5')).toMatchObject({ spec: { action: 'audit_log' }, args: ['5'] });
  });

  it('shows newest first as given, with a note when older entries exist', () => {
    const data = {
      entries: [
        entry({ action: 'ban', outcome: 'forbidden', detail: 'spam', actor: 'eve' }),
        entry({ actor: null, action: 'shutdown', target: null, address: null }),
      ],
      next: '17',
    };
    expect(formatReply('audit', [], { data }, s).split('\n')).toEqual([
      '2026-11-25T10:00:00.000Z  eve  ban  bob  forbidden  127.0.0.1  spam',
      '2026-11-25T10:00:00.000Z  (server)  shutdown  -  ok  -',
      '(older entries exist)',
    ]);
    expect(formatReply('audit', [], { data: { entries: [], next: null } }, s)).toBe(
      'the audit log is empty',
    );
  });

  it('escapes control characters in entries', () => {
    const data = { entries: [entry({ detail: 'x\u001b[2Jy' })], next: null };
    const text = formatReply('audit', [], { data }, s);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('x\\x1b[2Jy');
  });
});
