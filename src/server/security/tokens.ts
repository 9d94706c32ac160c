// Bearer tokens: 256 random bits on the wire; the session index keys them by SHA-256.
import { hash } from 'node:crypto';
import type { Random } from '../clock.ts';

/** Hello tokens start with `h_`, session tokens with `s_`. */
export type TokenKind = 'h' | 's';

/** A fresh token: what the client gets and the hash the server keeps. */
export interface IssuedToken {
  token: string;
  hash: string;
}

/** Creates a 256-bit token of the given kind. */
export function issueToken(random: Random, kind: TokenKind): IssuedToken {
  const token = `${kind}_${random.bytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** The SHA-256 (hex) under which a token is looked up. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/**
 * Whether a request's token is `expected`, in time that depends only on the length
 * (which is public: every token of a kind has the same one), never on where they differ.
 */
export function sameToken(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
