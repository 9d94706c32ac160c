// The errors the SDK rejects with: a server's error reply, a closed connection, a timeout.

/** A failure reply from the server; `code` is the wire error code (docs/protocol.md section 7). */
export class ServerError extends Error {
  readonly code: string;
  readonly action: string;
  readonly retryAfterMs?: number;

  constructor(code: string, message: string, action: string, retryAfterMs?: number) {
    super(`${action}: ${code}: ${message}`);
    this.name = 'ServerError';
    this.code = code;
    this.action = action;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The connection ended (or was never open) before the request was answered. `reason` is the
 * server's disconnect reason, 'shutdown', 'restart' (a drained node: reconnect), 'heartbeat_timeout', 'connection_lost',
 * 'client_closed', 'not_connected', 'hello_timeout', 'server_speaks_tls' (a plain connection
 * reached a TLS server), or the code of a tag-less error reply (e.g. 'server_busy').
 */
export class ConnectionClosedError extends Error {
  readonly reason?: string;

  constructor(reason?: string, cause?: Error) {
    super(`connection closed${reason === undefined ? '' : ` (${reason})`}`, { cause });
    this.name = 'ConnectionClosedError';
    if (reason !== undefined) this.reason = reason;
  }
}

/** No reply arrived within the client's requestTimeoutMs. */
export class RequestTimeoutError extends Error {
  readonly action: string;

  constructor(action: string, timeoutMs: number) {
    super(`${action}: no reply within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
    this.action = action;
  }
}

/** A request too large for the server's current frame limit; it was not sent. */
export class FrameTooLargeError extends Error {
  readonly action: string;
  readonly bytes: number;
  readonly limit: number;

  constructor(action: string, bytes: number, limit: number) {
    super(`${action}: request is ${bytes} bytes, the server accepts at most ${limit}`);
    this.name = 'FrameTooLargeError';
    this.action = action;
    this.bytes = bytes;
    this.limit = limit;
  }
}
