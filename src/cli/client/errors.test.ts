// Error wording: every failure is one line a person understands, with the code and an exit status.
import { describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  FrameTooLargeError,
  RequestTimeoutError,
  ServerError,
} from '../../client/index.ts';
import { ERROR_CODES } from '../../protocol/errors.ts';
import {
  ClientError,
  describeError,
  describeReason,
  EXIT,
  serverMessage,
  UsageError,
} from './errors.ts';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('describeError', () => {
  it('words server errors with their code, exit 1', () => {
    const err = new ServerError('invalid_credentials', 'wrong username or password', 'veus');
    expect(describeError(err)).toEqual({
      text: 'wrong username or password (invalid_credentials)',
      exitCode: EXIT.server,
      code: 'invalid_credentials',
    });
    expect(describeError(new ServerError('not_found', 'no such user', 'message_user')).text).toBe(
      'no such user (not_found)',
    );
  });

  it("has words for every wire code, and adds the server's detail where it helps", () => {
    for (const code of ERROR_CODES) {
      const text = describeError(new ServerError(code, 'detail from server', 'some_action')).text;
      expect(text).toMatch(new RegExp(`^[a-z].* \\(${code}\\)$`));
      expect(text).not.toContain('\n');
    }
    expect(
      describeError(new ServerError('invalid_input', 'text: too long', 'message_user')).text,
    ).toBe('invalid input: text: too long (invalid_input)');
    expect(describeError(new ServerError('forbidden', 'admin level required', 'kick')).text).toBe(
      'not allowed: admin level required (forbidden)',
    );
    expect(describeError(new ServerError('unknown_action', 'no such action', 'frob')).text).toBe(
      'the server has no command "frob" (unknown_action)',
    );
    expect(
      describeError(new ServerError('invalid_credentials', 'bad code', 'confirm_user')).text,
    ).toBe('wrong or expired confirmation code (invalid_credentials)');
  });

  it('words the ID login failures, naming the provider the server names', () => {
    const down = new ServerError(
      'provider_unavailable',
      'keycloak cannot be reached; try again later',
      'oidc_start',
    );
    expect(describeError(down).text).toBe(
      'keycloak cannot be reached; try again later (provider_unavailable)',
    );
    expect(describeError(new ServerError('provider_unavailable', '', 'oidc_start')).text).toBe(
      'the identity provider cannot be reached; try again later (provider_unavailable)',
    );
    expect(describeError(new ServerError('invalid_credentials', 'x', 'oidc_wait')).text).toBe(
      'the sign-in did not succeed (denied, expired, or its token failed the checks) (invalid_credentials)',
    );
    expect(describeError(new ServerError('identity_taken', 'x', 'oidc_wait')).text).toBe(
      'that identity is already tied to another account (identity_taken)',
    );
  });

  it('says when to retry a rate-limited request', () => {
    const err = new ServerError('rate_limited', 'slow down', 'message_user', 2500);
    expect(describeError(err).text).toBe('too many requests; try again in 2.5 s (rate_limited)');
  });

  it('keeps an unknown code and the server message', () => {
    const err = new ServerError('brand_new_code', 'something new', 'x');
    expect(describeError(err).text).toBe('something new (brand_new_code)');
  });

  it('words connection failures, exit 3', () => {
    const refused = describeError(errno('ECONNREFUSED'), '127.0.0.1:1');
    expect(refused).toEqual({
      text: 'could not connect to 127.0.0.1:1: connection refused (is the server running?)',
      exitCode: EXIT.connection,
    });
    expect(describeError(errno('ENOTFOUND'), 'nohost:1').text).toBe(
      'could not connect to nohost:1: unknown host',
    );
    expect(describeError(new ConnectionClosedError('kicked')).text).toBe(
      'connection closed: you were kicked by an admin (kicked)',
    );
    expect(describeError(new ConnectionClosedError('not_connected')).exitCode).toBe(
      EXIT.connection,
    );
    expect(describeError(new RequestTimeoutError('ping', 100)).exitCode).toBe(EXIT.connection);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(describeError(new ConnectionClosedError('server_speaks_tls', reset), 'h:1')).toEqual({
      text: 'could not connect to h:1: the server speaks TLS: use --tls (server_speaks_tls)',
      exitCode: EXIT.connection,
    });
    const tls = describeError(
      errno('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
      'h:1',
    );
    expect(tls.text).toBe(
      'TLS failure with h:1: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    );
  });

  it('gives usage errors exit 2 and anything else one line, never a stack', () => {
    expect(describeError(new UsageError('missing user'))).toEqual({
      text: 'missing user',
      exitCode: EXIT.usage,
    });
    expect(describeError(new ClientError('cancelled', EXIT.usage)).exitCode).toBe(EXIT.usage);
    expect(describeError(new FrameTooLargeError('msg', 70_000, 65_536)).exitCode).toBe(EXIT.usage);
    const weird = new TypeError('boom\n    at somewhere (file.ts:1:1)');
    expect(describeError(weird)).toEqual({ text: 'boom', exitCode: 1 });
    expect(describeError('just a string').text).toBe('just a string');
  });
});

describe('helpers', () => {
  it('extracts the server message from the SDK error', () => {
    expect(serverMessage(new ServerError('forbidden', 'admin level required', 'kick'))).toBe(
      'admin level required',
    );
  });

  it('words disconnect reasons', () => {
    expect(describeReason('too_many_errors')).toBe('too many bad requests (too_many_errors)');
    expect(describeReason('something_else')).toBe('something_else');
    expect(describeReason(undefined)).toBe('the connection was closed');
    for (const reason of ['password_changed', 'banned', 'account_deleted', 'session_replaced']) {
      expect(describeReason(reason)).toMatch(new RegExp(`^[a-z][a-z ,;]+ \\(${reason}\\)$`));
    }
    expect(describeReason('banned')).toBe('an admin banned your account (banned)');
  });

  it('says which password or code was wrong for the account actions', () => {
    const wrong = (action: string) =>
      describeError(new ServerError('invalid_credentials', 'x', action)).text;
    expect(wrong('change_password')).toBe('wrong password (invalid_credentials)');
    expect(wrong('delete_account')).toBe('wrong password (invalid_credentials)');
    expect(wrong('reset_password_confirm')).toBe(
      'wrong or expired code (or no such user) (invalid_credentials)',
    );
    const twice = new ServerError('already_logged_in', 'x', 'set_user');
    expect(describeError(twice).text).toMatch(
      /^this user is already logged in elsewhere .*sessions_per_user/,
    );
    const banned = new ServerError('forbidden', 'this account is banned', 'veus');
    expect(describeError(banned).text).toBe('not allowed: this account is banned (forbidden)');
  });
});
