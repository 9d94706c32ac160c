// Helpers for the stored-conversation tests: logging in and reading the replay.
import { expect } from 'vitest';
import { type Frame, loginClient, type TestClient } from './client.ts';
import { expectOk } from './util.ts';

/** The message events of `frames`, in order. */
export function messagesIn(frames: readonly Frame[]): Frame[] {
  return frames.filter((f) => f.event === 'message');
}

/** Logs in and waits for `synced`; returns the client, the replayed messages and synced's data. */
export async function loginAndReplay(port: number, username: string, password: string) {
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
