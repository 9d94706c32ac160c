import { describe, expect, it } from 'vitest';
import { LineFramer } from './ndjson.ts';

/** Feeds chunks and collects the decoded lines and whether the framer overflowed. */
function feed(limit: number, chunks: Buffer[]): { lines: string[]; tooLarge: boolean } {
  const framer = new LineFramer(limit);
  const lines: string[] = [];
  let tooLarge = false;
  for (const chunk of chunks) {
    const out = framer.push(chunk);
    lines.push(...out.lines.map((l) => l.toString('utf8')));
    tooLarge ||= out.tooLarge;
  }
  return { lines, tooLarge };
}

const INPUT = Buffer.from('{"a":"æøå 👋"}\n{"b":2}\r\n\n{"c":"€"}\n', 'utf8');
const EXPECTED = ['{"a":"æøå 👋"}', '{"b":2}', '', '{"c":"€"}'];

describe('LineFramer', () => {
  it('splits whole input into lines, accepting \\r\\n', () => {
    expect(feed(100, [INPUT])).toEqual({ lines: EXPECTED, tooLarge: false });
  });

  it('gives the same lines fed one byte at a time (multi-byte UTF-8 split)', () => {
    const bytes = [...INPUT].map((b) => Buffer.from([b]));
    expect(feed(100, bytes)).toEqual({ lines: EXPECTED, tooLarge: false });
  });

  it('gives the same lines at every two-way and three-way split', () => {
    for (let i = 0; i <= INPUT.length; i++) {
      expect(feed(100, [INPUT.subarray(0, i), INPUT.subarray(i)]).lines).toEqual(EXPECTED);
      for (let j = i; j <= INPUT.length; j += 3) {
        const parts = [INPUT.subarray(0, i), INPUT.subarray(i, j), INPUT.subarray(j)];
        expect(feed(100, parts).lines).toEqual(EXPECTED);
      }
    }
  });

  it('keeps a partial line until its newline arrives', () => {
    const framer = new LineFramer(100);
    expect(framer.push(Buffer.from('{"x"')).lines).toEqual([]);
    expect(framer.push(Buffer.from(':1}\n{"y"')).lines.map(String)).toEqual(['{"x":1}']);
  });

  it('accepts a line of exactly the limit, with or without \\r', () => {
    const line = 'x'.repeat(10);
    expect(feed(10, [Buffer.from(`${line}\n`)])).toEqual({ lines: [line], tooLarge: false });
    const crlf = [...Buffer.from(`${line}\r\n`)].map((b) => Buffer.from([b]));
    expect(feed(10, crlf)).toEqual({ lines: [line], tooLarge: false });
  });

  it('refuses a line one byte over the limit', () => {
    expect(feed(10, [Buffer.from(`${'x'.repeat(11)}\n`)]).tooLarge).toBe(true);
  });

  it('refuses an overlong line before any newline arrives, holding no more than the limit', () => {
    const framer = new LineFramer(10);
    expect(framer.push(Buffer.from('x'.repeat(10))).tooLarge).toBe(false);
    expect(framer.push(Buffer.from('x')).tooLarge).toBe(true);
    // Once failed it stays failed: nothing more is buffered or returned.
    expect(framer.push(Buffer.from('\n{"ok":1}\n'))).toEqual({ lines: [], tooLarge: true });
  });

  it('returns the complete lines that came before an overflow in the same chunk', () => {
    expect(feed(5, [Buffer.from('{"a"}\nxxxxxxxx')])).toEqual({ lines: ['{"a"}'], tooLarge: true });
  });

  it('applies a raised limit to later lines', () => {
    const framer = new LineFramer(4);
    expect(framer.push(Buffer.from('abcdefgh\n')).tooLarge).toBe(true);
    const raised = new LineFramer(4);
    raised.setLimit(8);
    expect(raised.push(Buffer.from('abcdefgh\n')).lines.map(String)).toEqual(['abcdefgh']);
  });
});
