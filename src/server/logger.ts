// Structured JSON logs (pino). Secrets are redacted by key as a second line of defence:
// the code never passes passwords, hashes or tokens to the logger in the first place.
import { type Logger, pino } from 'pino';

const REDACT = [
  'password',
  'passwordHash',
  'password_hash',
  'token',
  '*.password',
  '*.passwordHash',
  '*.token',
];

/** Creates the server's logger writing JSON lines to stdout. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'super-server' },
    redact: { paths: REDACT, censor: '[redacted]' },
  });
}
