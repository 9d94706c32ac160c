// Bearer tokens: 256 random bits on the wire, only their SHA-256 kept in memory.
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
