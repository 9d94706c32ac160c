import { describe, expect, it } from 'vitest';
import { normalizePassword, PasswordPolicy } from './password-policy.ts';

const policy = new PasswordPolicy({ min_length: 8, max_length: 128, reject_common: true });
const owner = { username: 'Alice_W', email: 'awonder@example.com' };

function reason(password: string): string | undefined {
  try {
    policy.check(normalizePassword(password), owner);
    return undefined;
  } catch (err) {
    expect((err as { code: string }).code).toBe('weak_password');
    return (err as Error).message;
  }
}

describe('PasswordPolicy', () => {
  it('accepts a long enough passphrase without composition rules', () => {
    expect(reason('purple lantern dawn')).toBeUndefined();
    expect(reason('😀😀😀😀😀😀😀😀')).toBeUndefined(); // 8 code points
  });

  it('counts code points and bounds both ends', () => {
    expect(reason('😀😀😀😀😀😀😀')).toMatch(/at least 8/);
    expect(reason('x'.repeat(129))).toMatch(/at most 128/);
    expect(reason('x'.repeat(128))).toBeUndefined();
  });

  it('refuses common passwords whatever their case', () => {
    expect(reason('password1')).toMatch(/too common/);
    expect(reason('PASSWORD1')).toMatch(/too common/);
    expect(reason('iloveyou123')).toMatch(/too common/);
  });

  it('refuses passwords containing the username or the email local part', () => {
    expect(reason('my-alice_w-secret')).toMatch(/username/);
    expect(reason('AWONDER-2026!')).toMatch(/email/);
  });

  it('compares after NFKC, so compatibility forms are the same password', () => {
    // Fullwidth letters normalise to ASCII: ｐａｓｓｗｏｒｄ１ is password1.
    expect(normalizePassword('ｐａｓｓｗｏｒｄ１')).toBe('password1');
    expect(reason('ｐａｓｓｗｏｒｄ１')).toMatch(/too common/);
  });

  it('can be told not to check the common list', () => {
    const lax = new PasswordPolicy({ min_length: 8, max_length: 128, reject_common: false });
    expect(() => lax.check('password1', owner)).not.toThrow();
  });
});
