// The password policy, after NIST SP 800-63B: length counted in code points
// after NFKC normalisation, no composition rules, no common passwords, and
// nothing built from the account's own name or email.
import { dictionary } from '@zxcvbn-ts/language-common';
import { ActionError } from '../../protocol/errors.ts';
import type { Config } from '../config.ts';

/** The form a password is hashed and verified in: NFKC, so equivalent spellings match. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** What a password must not be built from. */
export interface PasswordOwner {
  username: string;
  email: string;
}

/** Checks new passwords; `weak_password` says why one is refused. */
export class PasswordPolicy {
  /** ~49,000 common passwords from zxcvbn-ts' maintained list, lower-cased. */
  private readonly common: ReadonlySet<string>;

  constructor(private readonly config: Config['passwords']) {
    this.common = config.reject_common
      ? new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()))
      : new Set();
  }

  /** Throws `weak_password` unless the (normalised) password is acceptable for this owner. */
  check(password: string, owner: PasswordOwner): void {
    const { min_length: min, max_length: max } = this.config;
    const length = [...password].length;
    if (length < min) throw weak(`password must be at least ${min} characters`);
    if (length > max) throw weak(`password must be at most ${max} characters`);
    const lower = password.toLowerCase();
    if (this.common.has(lower)) throw weak('password is too common; choose a less guessable one');
    const localPart = owner.email.slice(0, owner.email.indexOf('@'));
    for (const [what, part] of [
      ['username', owner.username],
      ['email address', localPart],
    ] as const) {
      if (part.length >= 3 && lower.includes(part.toLowerCase())) {
        throw weak(`password must not contain your ${what}`);
      }
    }
  }
}

function weak(message: string): ActionError {
  return new ActionError('weak_password', message);
}
