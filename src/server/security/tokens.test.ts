import { describe, expect, it } from 'vitest';
import { issueToken, sameToken } from './tokens.ts';

const random = { bytes: (n: number) => Buffer.alloc(n, 7) };

describe('sameToken', () => {
  it('accepts the token itself and refuses any token that differs anywhere', () => {
    const { token } = issueToken({ bytes: (n) => Buffer.alloc(n, 1) }, 's');
    expect(sameToken(token, token)).toBe(true);
    expect(sameToken(`${token}`, token.slice(0))).toBe(true);
    for (let i = 0; i < token.length; i++) {
      const other = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
      expect(sameToken(other, token)).toBe(false);
    }
  });

  it('refuses a prefix, a longer token, the empty string and another kind', () => {
    const { token } = issueToken(random, 's');
    expect(sameToken(token.slice(0, -1), token)).toBe(false);
    expect(sameToken(`${token}A`, token)).toBe(false);
    expect(sameToken('', token)).toBe(false);
    expect(sameToken(issueToken(random, 'h').token, token)).toBe(false);
  });
});
