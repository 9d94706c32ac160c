// Helpers for the group tests: registering members, group calls that must succeed,
// and waiting for member events.
import { expect } from 'vitest';
import { type Endpoint, type Frame, registerClient, type TestClient } from './client.ts';
import { emailFor, expectOk, PASSWORD, uniqueName } from './util.ts';

/** A registered, logged-in user. */
export interface Member {
  name: string;
  c: TestClient;
}

/** Up to eight members to destructure; only the first `n` asked for exist. */
type Members = [Member, Member, Member, Member, Member, Member, Member, Member];

/** Registers `n` users (names from `prefix`), all left online. */
export async function members(port: Endpoint, n: number, prefix = 'gm'): Promise<Members> {
  const out: Member[] = [];
  for (let i = 0; i < n; i++) {
    const name = uniqueName(prefix);
    out.push({ name, c: await registerClient(port, name, PASSWORD, emailFor(name)) });
  }
  return out as Members;
}

/** A unique group name (lower case, within the 32-character limit). */
export function groupNamed(prefix: string): string {
  return uniqueName(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .slice(0, 32);
}

/** Calls an action that must succeed; returns its data. */
export async function ok(c: TestClient, action: string, data: unknown[]) {
  return expectOk(await c.call(action, data), `${action} ${JSON.stringify(data)}`).data;
}

/** Waits for the next `member` event with the given change (others stay queued). */
export async function memberEvent(c: TestClient, change: string, username?: string) {
  for (;;) {
    const ev = await c.nextEvent('member');
    if (ev.data.change === change && (username === undefined || ev.data.username === username)) {
      return ev.data as {
        conv: string;
        username: string;
        change: string;
        by: string;
        role: unknown;
      };
    }
  }
}

/** The `message` events `c` received for `conv`, in order. */
export function groupMessages(c: TestClient, conv: string): Frame[] {
  return c.received.filter((f) => f.event === 'message' && f.data.conv === conv);
}

/** Waits until `c` has `n` message events of `conv`; returns them. */
export async function waitMessages(c: TestClient, conv: string, n: number): Promise<Frame[]> {
  const end = Date.now() + 5_000;
  while (groupMessages(c, conv).length < n) {
    if (Date.now() > end) {
      throw new Error(`${groupMessages(c, conv).length}/${n} messages of ${conv}; ${c.summary()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return groupMessages(c, conv);
}

/** Sends the same request with the same tag as a raw line and returns the raw reply line. */
export async function rawReply(c: TestClient, action: string, data: unknown[]): Promise<string> {
  const tag = 'same-tag';
  const before = c.lines.length;
  c.send({ action, data, tag, token: c.token });
  await c.reply(tag);
  const line = c.lines.slice(before).find((l) => l.startsWith(`{"tag":"${tag}"`));
  expect(line).toBeDefined();
  return line as string;
}
