// Helpers for the stored-conversation tests: logging in and reading the replay.
import { expect } from 'vitest';
import {
  type Endpoint,
  type Frame,
  loginClient,
  registerClient,
  type TestClient,
} from './client.ts';
import { emailFor, expectOk, PASSWORD, sleep, uniqueName } from './util.ts';

/** The message events of `frames`, in order. */
export function messagesIn(frames: readonly Frame[]): Frame[] {
  return frames.filter((f) => f.event === 'message');
}

/** The seqs of the message events `c` received from `conv`, in arrival order. */
export function seqsIn(c: TestClient, conv: string): number[] {
  return messagesIn(c.received)
    .filter((m) => m.data.conv === conv)
    .map((m) => m.data.seq as number);
}

/** from, from + 1, …, to. */
export function span(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/** Logs in and waits for `synced`; returns the client, the replayed messages and synced's data. */
export async function loginAndReplay(port: Endpoint, username: string, password: string) {
  const c = await loginClient(port, username, password);
  const synced = await c.nextEvent('synced');
  const at = c.received.indexOf(synced);
  const replayed = messagesIn(c.received.slice(0, at));
  for (const m of replayed) expect(m.data.replayed).toBe(true);
  return { client: c, replayed, synced: synced.data as { replayed: number; more: boolean } };
}

/** Sends `n` messages with up to `window` requests in flight; returns the ok replies' data. */
export async function sendMany(
  c: TestClient,
  to: string,
  n: number,
  window = 64,
  text = (i: number) => `m${i}`,
) {
  const replies: Array<{ id: string; conv: string; seq: number; delivered: boolean }> = [];
  for (let i = 0; i < n; i += window) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + window); j++)
      batch.push(c.call('msg', [to, text(j)], 30_000));
    for (const r of await Promise.all(batch)) replies.push(expectOk(r, 'msg').data);
  }
  return replies;
}

/** Registers `a` (left online) and `b` (left offline unless `bOnline`); their dm conv. */
export async function pair(port: Endpoint, bOnline = false) {
  const a = uniqueName('al');
  const b = uniqueName('bo');
  const ca = await registerClient(port, a, PASSWORD, emailFor(a));
  const cb = await registerClient(port, b, PASSWORD, emailFor(b));
  const ids = {
    a: expectOk(await ca.call('get_id'), 'get_id').data.slice(1) as string,
    b: expectOk(await cb.call('get_id'), 'get_id').data.slice(1) as string,
  };
  if (!bOnline) {
    cb.destroy();
    await sleep(50);
  }
  const conv = ids.a < ids.b ? `dm:${ids.a}:${ids.b}` : `dm:${ids.b}:${ids.a}`;
  return { a, b, ca, cb, conv, ids };
}
