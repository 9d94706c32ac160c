// Error wording for people: every failure becomes one line with the wire code, and an exit code.
import {
  ConnectionClosedError,
  FrameTooLargeError,
  RequestTimeoutError,
  ServerError,
} from '../../client/index.ts';

/** Exit statuses of a one-shot command (documented in docs/client.md). */
export const EXIT = {
  ok: 0,
  /** the server answered with an error */
  server: 1,
  /** bad flags, arguments or command usage */
  usage: 2,
  /** could not connect, the connection was lost, or no reply in time */
  connection: 3,
} as const;

/** A mistake in what the user typed; the message says what to type instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure of the local side (bad file, cancelled question) with a message fit to show. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.connection,
  ) {
    super(message);
  }
}

/** What people read for each wire error code (docs/protocol.md section 7). */
const WORDS: Record<string, string> = {
  bad_json: 'the server could not read the request',
  bad_request: 'the server rejected the request as malformed',
  frame_too_large: 'the request is too large for the server',
  unknown_action: 'the server has no such command',
  invalid_input: 'invalid input',
  invalid_token: 'your session is no longer valid; log in again',
  not_logged_in: 'you are not logged in (use login or register)',
  already_logged_in: 'already logged in (this connection, or this user elsewhere)',
  invalid_credentials: 'wrong username or password',
  username_taken: 'that username is taken',
  email_taken: 'an account with that email already exists',
  phone_taken: 'an account with that phone number already exists',
  weak_password: 'password too weak',
  not_found: 'no such user',
  not_online: 'that user is not online',
  forbidden: 'not allowed',
  rate_limited: 'too many requests',
  server_busy: 'the server is busy; try again shortly',
  provider_unavailable: 'the identity provider cannot be reached; try again later',
  identity_taken: 'that identity is already tied to another account',
  internal: 'the server failed unexpectedly; try again',
};

/** invalid_credentials of actions where it means a wrong code or a wrong password only. */
const CREDENTIAL_WORDS: Record<string, string> = {
  confirm_user: 'wrong or expired confirmation code',
  reset_password_confirm: 'wrong or expired code (or no such user)',
  change_password: 'wrong password',
  delete_account: 'wrong password',
  oidc_wait: 'the sign-in did not succeed (denied, expired, or its token failed the checks)',
  oidc_code: 'the sign-in code is wrong, used or expired',
};

/** Codes whose server message adds something the words above do not say (which input, why). */
const ADD_SERVER_MESSAGE = new Set(['invalid_input', 'weak_password', 'forbidden']);

/** What people read for each reason the server or the SDK gives for a closed connection. */
const REASONS: Record<string, string> = {
  login_timeout: 'you did not log in in time',
  heartbeat_timeout: 'the connection went silent',
  too_many_errors: 'too many bad requests',
  too_many_login_attempts: 'too many failed logins',
  slow_consumer: 'the client was not reading fast enough',
  logged_out: 'logged out',
  session_replaced: 'another login of your account replaced this session',
  kicked: 'you were kicked by an admin',
  password_changed: 'your password was changed in another session; log in with the new one',
  banned: 'an admin banned your account',
  account_deleted: 'your account was deleted',
  server_speaks_tls: 'the server speaks TLS: use --tls',
  hello_timeout: 'the server sent no hello (is it a super-server? if it speaks TLS: use --tls)',
  shutdown: 'the server is shutting down',
  restart: 'the server node is restarting',
  connection_lost: 'the connection was lost',
  client_closed: 'the client closed the connection',
  not_connected: 'not connected',
  server_busy: 'the server is busy',
};

/** The server's own message inside a ServerError (the SDK prefixes it with action and code). */
export function serverMessage(err: ServerError): string {
  const prefix = `${err.action}: ${err.code}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/** Words for a disconnect reason, e.g. "you were kicked by an admin (kicked)". */
export function describeReason(reason: string | undefined): string {
  if (reason === undefined || reason === '') return 'the connection was closed';
  const words = REASONS[reason];
  return words ? `${words} (${reason})` : reason;
}

/** One line for a server error reply: "wrong username or password (invalid_credentials)". */
export function describeServerError(err: ServerError): string {
  const msg = serverMessage(err);
  let words = WORDS[err.code];
  if (err.code === 'invalid_credentials') {
    const special = CREDENTIAL_WORDS[err.action];
    if (special) words = special;
  }
  if (
    err.code === 'not_found' &&
    !['message_user', 'kick', 'change_permission_level', 'ban', 'unban', 'user_info'].includes(
      err.action,
    )
  ) {
    words = msg || words;
  }
  if (err.code === 'already_logged_in' && err.action === 'set_user') {
    words =
      'this user is already logged in elsewhere (one session per user, unless the server sets session.sessions_per_user higher)';
  }
  // The server's message names the provider that is down.
  if (err.code === 'provider_unavailable') words = msg || words;
  if (err.code === 'unknown_action') words = `the server has no command "${err.action}"`;
  if (words === undefined) words = msg || 'the server refused';
  else if (ADD_SERVER_MESSAGE.has(err.code) && msg && msg !== words) words = `${words}: ${msg}`;
  if (err.code === 'rate_limited' && err.retryAfterMs !== undefined) {
    words = `${words}; try again in ${formatSeconds(err.retryAfterMs)}`;
  }
  return `${words} (${err.code})`;
}

function formatSeconds(ms: number): string {
  const s = Math.max(0.1, ms / 1000);
  return s < 10 ? `${Number(s.toFixed(1))} s` : `${Math.ceil(s)} s`;
}

/** One line for a connection failure's system error code (ECONNREFUSED, …), if known. */
function describeSystemError(err: NodeJS.ErrnoException, where: string): string | undefined {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `could not connect to ${where}: connection refused (is the server running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `could not connect to ${where}: unknown host`;
    case 'ETIMEDOUT':
      return `could not connect to ${where}: timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `could not connect to ${where}: host unreachable`;
    case 'ECONNRESET':
      return `connection to ${where} was reset`;
    case 'EPIPE':
      return `connection to ${where} was closed`;
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `TLS failure with ${where}: the server does not speak TLS (leave out --tls and --ca)`;
    default:
      if (typeof err.code === 'string' && /CERT|TLS|SSL|ERR_SSL/.test(err.code)) {
        return `TLS failure with ${where}: ${err.message} (${err.code})`;
      }
      return undefined;
  }
}

/** A failure described for people, with the exit status a one-shot command leaves with. */
export interface Described {
  text: string;
  exitCode: number;
  /** the wire error code, when the server answered with one */
  code?: string;
}

/**
 * Turns anything thrown into one line for people (never a stack trace). `where` names the
 * server ("127.0.0.1:12345") for connection failures.
 */
export function describeError(err: unknown, where = 'the server'): Described {
  if (err instanceof ServerError) {
    return { text: describeServerError(err), exitCode: EXIT.server, code: err.code };
  }
  if (err instanceof UsageError) return { text: err.message, exitCode: EXIT.usage };
  if (err instanceof ClientError) return { text: err.message, exitCode: err.exitCode };
  if (err instanceof ConnectionClosedError) {
    if (err.reason === 'not_connected') {
      return { text: 'not connected (use connect first)', exitCode: EXIT.connection };
    }
    if (err.reason === 'server_speaks_tls' || err.reason === 'hello_timeout') {
      const text = `could not connect to ${where}: ${describeReason(err.reason)}`;
      return { text, exitCode: EXIT.connection };
    }
    const cause = err.cause as NodeJS.ErrnoException | undefined;
    const sys = cause ? describeSystemError(cause, where) : undefined;
    if (sys) return { text: sys, exitCode: EXIT.connection };
    return {
      text: `connection closed: ${describeReason(err.reason)}`,
      exitCode: EXIT.connection,
    };
  }
  if (err instanceof RequestTimeoutError) {
    return { text: `no reply from ${where} in time (${err.action})`, exitCode: EXIT.connection };
  }
  if (err instanceof FrameTooLargeError) {
    return {
      text: `request too large: ${err.bytes} bytes, the server accepts at most ${err.limit}`,
      exitCode: EXIT.usage,
    };
  }
  if (err instanceof Error) {
    const sys = describeSystemError(err as NodeJS.ErrnoException, where);
    if (sys) return { text: sys, exitCode: EXIT.connection };
    return { text: firstLine(err.message) || err.name, exitCode: EXIT.server };
  }
  return { text: firstLine(String(err)), exitCode: EXIT.server };
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}
