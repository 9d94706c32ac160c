// The prompt's question-and-answer commands: register, confirm, forgot, passwd, delete-account.
// Each checks locally what it can and asks again for just the answer that was wrong.
import { type Account, type Client, ServerError } from '../../client/index.ts';
import { ClientError, describeError, EXIT, UsageError } from './errors.ts';
import {
  CODE_TRIES,
  codeProblem,
  emailProblem,
  PASSWORD_LENGTH,
  passwordProblem,
  usernameProblem,
} from './local-checks.ts';

/** What a flow needs from the prompt. */
export interface Dialog {
  /** asks one question; `hidden` answers are not shown and never kept */
  ask(query: string, hidden?: boolean): Promise<string>;
  /** a line of progress ("a code was emailed to …") */
  info(text: string): void;
  /** an error line, after which the flow asks again */
  warn(text: string): void;
}

/** Where the code is on a development server (the outbox in the server's data directory). */
export const DEV_OUTBOX_HINT = 'on a development server: the last line of data/dev-outbox.jsonl';

const cancelled = (what: string) => new ClientError(`cancelled: no ${what} given`, EXIT.usage);

/** Asks until the answer passes `problem`; an empty answer cancels the command. */
export async function askValid(
  d: Dialog,
  query: string,
  what: string,
  problem: (answer: string) => string | undefined,
  hidden = false,
): Promise<string> {
  for (;;) {
    const answer = await d.ask(query, hidden);
    const value = hidden ? answer : answer.trim();
    if (value === '') throw cancelled(what);
    const p = problem(value);
    if (p === undefined) return value;
    d.warn(p);
  }
}

/** A username: `given` when valid (else a usage error), or asked for until valid. */
async function username(d: Dialog, given?: string, query = 'username: '): Promise<string> {
  if (given === undefined) return askValid(d, query, 'username', usernameProblem);
  const p = usernameProblem(given);
  if (p !== undefined) throw new UsageError(p);
  return given;
}

/** A new password, typed twice, hidden; asked again until it has the right length and matches. */
export async function newPassword(d: Dialog, label = 'password'): Promise<string> {
  const { min, max } = PASSWORD_LENGTH;
  for (;;) {
    const query = `${label} (${min}-${max} characters, not shown): `;
    const pw = await askValid(d, query, label, passwordProblem, true);
    if ((await d.ask('repeat it: ', true)) === pw) return pw;
    d.warn('the two differ; type it again');
  }
}

const isCode = (err: unknown, code: string) => err instanceof ServerError && err.code === code;

/**
 * Asks for the emailed code and sends it with `send` until it is right: up to CODE_TRIES wrong
 * codes (the server's limit). A malformed code is asked again without costing a try.
 */
async function withCode<T>(d: Dialog, send: (code: string) => Promise<T>): Promise<T> {
  for (let tries = CODE_TRIES; ; ) {
    const code = await askValid(d, 'code from the email: ', 'code', codeProblem);
    try {
      return await send(code);
    } catch (err) {
      if (!isCode(err, 'invalid_credentials')) throw err;
      tries -= 1;
      const text = describeError(err).text;
      if (tries === 0) throw new ClientError(`${text}; no tries left`, EXIT.server);
      d.warn(`${text}; ${tries} ${tries === 1 ? 'try' : 'tries'} left`);
    }
  }
}

/** `register [username]`: asks the form, checks it locally, retries only what was refused. */
export async function register(client: Client, d: Dialog, given?: string): Promise<Account> {
  let user = await username(d, given);
  let password = await newPassword(d);
  const email = await askValid(d, 'email: ', 'email', emailProblem);
  const phone = (await d.ask('phone (optional, e.g. +47 912 34 567): ')).trim();
  for (;;) {
    try {
      const r = await client.register(user, password, email, phone || undefined);
      if (!r.confirm) return { id: r.id, username: r.username, level: client.level ?? 'basic' };
      d.info(`a 6-digit code was emailed to ${email} (${DEV_OUTBOX_HINT})`);
      return await confirmWithCode(client, d, r.username);
    } catch (err) {
      if (isCode(err, 'weak_password')) {
        d.warn(describeError(err).text);
        password = await newPassword(d);
      } else if (isCode(err, 'username_taken')) {
        d.warn(describeError(err).text);
        user = await username(d);
      } else throw err;
    }
  }
}

/** Asks for the code (up to 5 tries) and logs in; an empty answer leaves it for `confirm`. */
export async function confirmWithCode(client: Client, d: Dialog, user: string): Promise<Account> {
  try {
    return await withCode(d, (code) => client.confirm(code, user));
  } catch (err) {
    // Cancelled (an empty answer, Ctrl-C): the code can still be typed later.
    if (err instanceof ClientError && err.message.startsWith('cancelled')) {
      throw new ClientError(
        `not confirmed yet; type confirm ${user} to enter the code`,
        EXIT.usage,
      );
    }
    throw err;
  }
}

/** `confirm [username] [code]`: finishes a registration (also on a new connection). */
export async function confirm(
  client: Client,
  d: Dialog,
  givenUser?: string,
  givenCode?: string,
): Promise<Account> {
  const user = await username(d, givenUser ?? client.awaitingConfirmation);
  if (givenCode === undefined) return confirmWithCode(client, d, user);
  const p = codeProblem(givenCode);
  if (p !== undefined) throw new UsageError(p);
  return client.confirm(givenCode, user);
}

/**
 * `forgot`: reset_password, then the code and a new password (reset_password_confirm).
 * Resolves with the username and the new password, so the prompt can offer to log in.
 */
export async function forgot(client: Client, d: Dialog): Promise<{ user: string; pw: string }> {
  const who = await askValid(d, 'username or email: ', 'username or email', () => undefined);
  await client.resetPassword(who);
  d.info('if an account matches, a 6-digit code was emailed to its address (valid 15 minutes)');
  d.info(`(${DEV_OUTBOX_HINT})`);
  const suggested = usernameProblem(who) === undefined ? who : undefined;
  const user = suggested
    ? (await d.ask(`username (Enter for ${suggested}): `)).trim() || suggested
    : await username(d);
  if (usernameProblem(user) !== undefined) throw new UsageError(usernameProblem(user));
  let pw = await newPassword(d, 'new password');
  for (;;) {
    try {
      await withCode(d, (code) => client.resetPasswordConfirm(user, code, pw));
      return { user, pw };
    } catch (err) {
      if (!isCode(err, 'weak_password')) throw err;
      d.warn(describeError(err).text);
      pw = await newPassword(d, 'new password');
    }
  }
}

/** `passwd`: the old password, then a new one twice; a weak new one is asked again. */
export async function passwd(client: Client, d: Dialog): Promise<void> {
  const old = await d.ask('current password: ', true);
  if (old === '') throw cancelled('password');
  let pw = await newPassword(d, 'new password');
  for (;;) {
    try {
      await client.changePassword(old, pw);
      return;
    } catch (err) {
      if (!isCode(err, 'weak_password')) throw err;
      d.warn(describeError(err).text);
      pw = await newPassword(d, 'new password');
    }
  }
}

/** `delete-account`: the password, then the username typed out; resolves once deleted. */
export async function deleteAccount(client: Client, d: Dialog): Promise<void> {
  const me = client.username ?? '';
  const pw = await d.ask('password: ', true);
  if (pw === '') throw cancelled('password');
  const typed = (await d.ask(`type your username (${me}) to delete the account for good: `)).trim();
  if (typed !== me) throw new UsageError('not deleted: that is not your username');
  await client.deleteAccount(pw);
}
