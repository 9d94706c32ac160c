// argon2id password hashing through the async API (runs on the libuv pool, off the event loop).
import { hash, verify } from '@node-rs/argon2';

// `Algorithm.Argon2id` is a const enum, which verbatimModuleSyntax cannot import.
const ARGON2ID = 2;

/** The parameters of PROTOCOL/issue: m=19456 KiB, t=2, p=1. */
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** How every hash made with OPTIONS begins; anything else was made with older parameters. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${OPTIONS.memoryCost},t=${OPTIONS.timeCost},p=${OPTIONS.parallelism}$`;

let dummyHash: Promise<string> | undefined;

/** True when a stored hash was made with other parameters than today's and should be redone. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT_PREFIX);
}

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** Checks a password against a stored hash; false on any mismatch or malformed hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Computes the dummy hash ahead of the first login that needs it. */
export async function prepareDummyHash(): Promise<void> {
  dummyHash ??= hashPassword('dummy password that matches nothing');
  await dummyHash;
}

/**
 * Spends the same time as a real verify when the user does not exist, so the
 * answer's timing does not tell whether a username is registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await prepareDummyHash();
  await verifyPassword(await (dummyHash as Promise<string>), password);
  return false;
}
