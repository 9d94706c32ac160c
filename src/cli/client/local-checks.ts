// What the client checks before asking the server, with the server's default rules (so a
// question can be asked again at once instead of after the whole form was sent).

/** The server's default password length limits (passwords.min_length / max_length). */
export const PASSWORD_LENGTH = { min: 8, max: 128 } as const;

/** How many wrong codes the server accepts for one emailed code (accounts.code_attempts). */
export const CODE_TRIES = 5;

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const CODE = /^[0-9]{6}$/;

/** Why a username would be refused, or undefined when it looks fine. */
export function usernameProblem(name: string): string | undefined {
  if (USERNAME.test(name)) return undefined;
  return 'a username is 3-32 characters of A-Z a-z 0-9 _ . - (no spaces)';
}

/**
 * Why a new password would be refused for its length, or undefined. Counted like the server
 * does: Unicode code points after NFKC normalisation. The server may still refuse a common
 * password or one containing the username (weak_password).
 */
export function passwordProblem(password: string): string | undefined {
  const length = [...password.normalize('NFKC')].length;
  if (length < PASSWORD_LENGTH.min) {
    return `the password must be at least ${PASSWORD_LENGTH.min} characters (it has ${length})`;
  }
  if (length > PASSWORD_LENGTH.max) {
    return `the password must be at most ${PASSWORD_LENGTH.max} characters (it has ${length})`;
  }
  return undefined;
}

/** Why an email address would be refused, or undefined. */
export function emailProblem(email: string): string | undefined {
  const e = email.trim();
  if (e.length <= 254 && EMAIL.test(e)) return undefined;
  return 'that is not an email address (like name@example.com)';
}

/** Why a confirmation or reset code is malformed, or undefined (six digits). */
export function codeProblem(code: string): string | undefined {
  return CODE.test(code) ? undefined : 'the code is the 6 digits from the email';
}
