import type { Frame } from './client.ts';

// Resolves after `ms` milliseconds.
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The error code of a reply, or 'OK' for a success, or a marker for a non-reply frame.
export function codeOf(frame: Frame): string {
  if (frame.ok === true) return 'OK';
  if (frame.ok === false) return String(frame.error?.code);
  return `<not a reply: ${JSON.stringify(frame).slice(0, 200)}>`;
}

// Throws a readable error unless `frame` is a successful reply.
export function expectOk(frame: Frame, what: string): Frame {
  if (frame.ok !== true) throw new Error(`${what} failed: ${JSON.stringify(frame).slice(0, 500)}`);
  return frame;
}

let counter = 0;

// A fresh valid username (3–32 chars) starting with `prefix`, unique within this process.
export function uniqueName(prefix: string): string {
  counter += 1;
  const rand = Math.floor(Math.random() * 1e6).toString(36);
  return `${prefix}_${counter}${rand}`.slice(0, 32);
}

// A unique e-mail address for `username`.
export function emailFor(username: string): string {
  return `${username.toLowerCase()}@example.com`;
}

// A password that satisfies the policy (>= 8 characters).
export const PASSWORD = 'correct-horse-battery';

// Deep-merges plain objects (`b` wins); arrays and scalars are replaced.
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (isPlain(prev) && isPlain(v)) out[k] = deepMerge(prev, v);
    else out[k] = v;
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns the last result.
export async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}

// A JSON line `{"action":"ping","tag":tag,"data":[],"pad":"xxx…"}` of exactly `bytes` bytes.
export function paddedPing(bytes: number, tag = 'pad', token?: string): string {
  const base: Record<string, unknown> = { action: 'ping', tag, data: [] };
  if (token !== undefined) base.token = token;
  base.pad = '';
  const empty = JSON.stringify(base);
  if (bytes < empty.length) throw new Error(`cannot build a ${bytes}-byte ping`);
  base.pad = 'x'.repeat(bytes - empty.length);
  const line = JSON.stringify(base);
  if (Buffer.byteLength(line) !== bytes) throw new Error('paddedPing size mismatch');
  return line;
}
