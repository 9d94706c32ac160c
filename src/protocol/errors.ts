// The wire error codes of PROTOCOL.md section 7, and the error handlers throw.

/** Every error code a reply may carry; `docs/protocol.md` documents each one. */
export const ERROR_CODES = [
  'bad_json',
  'bad_request',
  'frame_too_large',
  'unknown_action',
  'invalid_input',
  'invalid_token',
  'not_logged_in',
  'already_logged_in',
  'invalid_credentials',
  'username_taken',
  'email_taken',
  'phone_taken',
  'name_taken',
  'identity_taken',
  'weak_password',
  'not_found',
  'not_online',
  'forbidden',
  'rate_limited',
  'server_busy',
  'provider_unavailable',
  'internal',
] as const;

/** One of the codes in ERROR_CODES. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes that count against a connection's protocol error budget. */
export const PROTOCOL_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'bad_json',
  'bad_request',
  'unknown_action',
]);

/** A failure meant for the client: its code and human message go on the wire as they are. */
export class ActionError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'ActionError';
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}
