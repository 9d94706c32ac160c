import { describe, expect, it } from 'vitest';
import { Email, formatId, Login, MessageText, Phone, Username } from './inputs.ts';

describe('input schemas', () => {
  it('usernames are 3-32 of A-Z a-z 0-9 _ . -', () => {
    for (const ok of ['abc', 'A.b-c_9', 'x'.repeat(32)])
      expect(Username.safeParse(ok).success).toBe(true);
    for (const bad of ['ab', 'x'.repeat(33), 'a b', 'æøå', 'a@b', '#00001']) {
      expect(Username.safeParse(bad).success).toBe(false);
    }
    expect(Login.safeParse('#00042').success).toBe(true);
  });

  it('normalises email (trim, lower-case) and refuses malformed ones', () => {
    expect(Email.parse('  Bob@Example.COM ')).toBe('bob@example.com');
    for (const bad of ['bob', 'bob@', '@x.io', 'bob@x', 'a b@x.io'])
      expect(Email.safeParse(bad).success).toBe(false);
  });

  it('normalises phone numbers to E.164 and refuses malformed ones', () => {
    expect(Phone.parse('+47 912 34 567')).toBe('+4791234567');
    expect(Phone.parse('+1 (415) 555-0100')).toBe('+14155550100');
    for (const bad of ['12ab', '91234567', '+', '+47 1'])
      expect(Phone.safeParse(bad).success).toBe(false);
  });

  it('message text is 1-4000 code points and is not altered', () => {
    expect(MessageText.parse('  hi\n')).toBe('  hi\n');
    expect(MessageText.safeParse('👋'.repeat(4000)).success).toBe(true);
    expect(MessageText.safeParse('👋'.repeat(4001)).success).toBe(false);
    expect(MessageText.safeParse('').success).toBe(false);
  });

  it('zero-pads ids to at least five digits', () => {
    expect(formatId(42)).toBe('00042');
    expect(formatId(1234567)).toBe('1234567');
  });
});
