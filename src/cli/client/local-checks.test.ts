// The checks the client makes before sending: the server's default rules, counted its way.
import { describe, expect, it } from 'vitest';
import { checkMessageText } from './execute.ts';
import { codeProblem, emailProblem, passwordProblem, usernameProblem } from './local-checks.ts';

describe('local checks', () => {
  it('takes usernames of 3-32 characters of A-Z a-z 0-9 _ . -', () => {
    for (const ok of ['bob', 'Alice_2', 'a.b-c', 'x'.repeat(32)]) {
      expect(usernameProblem(ok), ok).toBeUndefined();
    }
    for (const bad of ['ab', 'x'.repeat(33), 'bob smith', 'bøb', 'a@b']) {
      expect(usernameProblem(bad), bad).toMatch(/3-32 characters of A-Z a-z 0-9 _ \. -/);
    }
  });

  it('counts password length in code points after NFKC, 8 to 128', () => {
    expect(passwordProblem('1234567')).toBe(
      'the password must be at least 8 characters (it has 7)',
    );
    expect(passwordProblem('12345678')).toBeUndefined();
    expect(passwordProblem('😀'.repeat(8))).toBeUndefined(); // 16 UTF-16 units, 8 code points
    expect(passwordProblem('😀'.repeat(7))).toMatch(/at least 8/);
    expect(passwordProblem('x'.repeat(128))).toBeUndefined();
    expect(passwordProblem('x'.repeat(129))).toMatch(/at most 128 characters \(it has 129\)/);
  });

  it('checks email addresses and six-digit codes', () => {
    expect(emailProblem(' bob@example.com ')).toBeUndefined();
    expect(emailProblem('bob@localhost')).toMatch(/not an email address/);
    expect(emailProblem('bob')).toMatch(/not an email address/);
    expect(codeProblem('012345')).toBeUndefined();
    for (const bad of ['12345', '1234567', '12a456', ''])
      expect(codeProblem(bad)).toMatch(/6 digits/);
  });

  it('refuses a message over 4,000 code points, and says the limit', () => {
    expect(() => checkMessageText('😀'.repeat(4000))).not.toThrow();
    expect(() => checkMessageText('x'.repeat(4001))).toThrow(
      'message too long: 4,001 characters, the limit is 4,000 (nothing was sent)',
    );
  });
});
