// Colour decisions, sanitising network text, stripping ANSI.
import { describe, expect, it } from 'vitest';
import { makeStyle, sanitize, stripAnsi, wantsColor } from './style.ts';

describe('wantsColor', () => {
  it('colours a TTY unless NO_COLOR is set, and anything when FORCE_COLOR is', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});

describe('makeStyle', () => {
  it('wraps text in ANSI codes only when enabled', () => {
    expect(makeStyle(false).red('x')).toBe('x');
    expect(makeStyle(true).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(stripAnsi(makeStyle(true).bold(makeStyle(true).green('ok')))).toBe('ok');
  });
});

describe('sanitize', () => {
  it('makes control characters visible so remote text cannot drive the terminal', () => {
    expect(sanitize('hi\x1b[2Jthere\r\x07')).toBe('hi\\x1b[2Jthere\\x0d\\x07');
    expect(sanitize('\u009b31m')).toBe('\\x9b31m');
    expect(sanitize('tab\tand\nnewline æøå 👋')).toBe('tab\tand\nnewline æøå 👋');
  });
});
