// audit_log: an admin pages the audit log newest first over the wire, with a stable
// cursor; reading it is audited; no entry holds a password, code or token.
import { afterAll, describe, expect, it } from 'vitest';
import { type Frame, TestClient } from './client.ts';
import { cleanup, startServer } from './harness.ts';
import { codeOf, expectOk, pollUntil } from './util.ts';

afterAll(cleanup);

const ROOT = {
  username: 'root',
  email: 'root@example.com',
  password: 'Tq7!long-pass-R',
  level: 'admin',
};
const BOB = { username: 'bob', email: 'bob@example.com', password: 'Tq7!long-pass-B' };
const EVE = { username: 'eve', email: 'eve@example.com', password: 'Tq7!long-pass-E' };

interface Entry {
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
  address: string | null;
}
interface Page {
  entries: Entry[];
  next: string | null;
}

async function loggedIn(port: number, u: { username: string; password: string }) {
  const c = new TestClient();
  await c.connect(port);
  await c.login(u.username, u.password);
  return c;
}

function page(frame: Frame, what: string): Page {
  return expectOk(frame, what).data as Page;
}

/** Pages until `enough` holds of the newest page (the log is written a moment after a call). */
async function newestUntil(c: TestClient, enough: (p: Page) => boolean): Promise<Page> {
  let last: Page = { entries: [], next: null };
  await pollUntil(async () => {
    last = page(await c.call('audit_log', [null, 200]), 'audit_log');
    return enough(last);
  }, 20_000);
  return last;
}

// Each test starts a server and hashes passwords: slow on a loaded machine, never timed.
const SLOW = 180_000;

describe('audit_log', () => {
  it(
    'gives an admin the log newest first, page by page, unchanged by new entries',
    async () => {
      const server = await startServer({ users: [ROOT, BOB, EVE] });
      const root = await loggedIn(server.port, ROOT);
      expectOk(await root.call('change_permission_level', ['bob', 'admin']), 'promote');
      expect(codeOf(await root.call('kick', ['eve']))).toBe('not_online'); // refusals are entries too
      const all = await newestUntil(root, (p) => p.entries.some((e) => e.action === 'kick'));
      const own = all.entries.filter((e) => e.action !== 'audit_log');
      expect(own.map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
        ['root', 'kick', 'eve', 'not_online', null],
        ['root', 'change_permission_level', 'bob', 'ok', 'admin'],
        ['(cli)', 'user_add', 'eve', 'ok', 'level basic'],
        ['(cli)', 'user_add', 'bob', 'ok', 'level basic'],
        ['(cli)', 'user_add', 'root', 'ok', 'level admin'],
      ]);
      expect(all.next).toBeNull();
      expect(own[0]?.address).toBe('127.0.0.1');
      expect(Object.keys(own[0] ?? {}).sort()).toEqual(
        ['action', 'actor', 'address', 'at', 'detail', 'outcome', 'target'].sort(),
      );
      const times = all.entries.map((e) => e.at);
      expect([...times].sort().reverse()).toEqual(times);

      // Two at a time: every read adds an entry on top, yet the pages below the cursor
      // are exactly the older entries, in order, each once.
      const paged: Entry[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 100; i++) {
        const p = page(await root.call('audit_log', [cursor, 2]), `page ${i}`);
        expect(p.entries.length).toBeLessThanOrEqual(2);
        paged.push(...p.entries);
        cursor = p.next;
        if (cursor === null) break;
        expect(typeof cursor).toBe('string');
      }
      expect(cursor).toBeNull();
      // The first page may start with audit_log reads newer than `all`; after those, the same.
      const start = paged.findIndex((e) => e.action === 'kick');
      expect(paged.slice(start)).toEqual(all.entries.slice(all.entries.indexOf(own[0] as Entry)));
      await server.stop();
    },
    SLOW,
  );

  it(
    'audits every read, filters by time, caps the limit and refuses bad inputs',
    async () => {
      const server = await startServer({ users: [ROOT] });
      const root = await loggedIn(server.port, ROOT);
      const since = '2999-01-01T00:00:00Z';
      expect(page(await root.call('audit_log', [null, 5, since]), 'future')).toEqual({
        entries: [],
        next: null,
      });
      const p = await newestUntil(root, (q) => q.entries.some((e) => e.action === 'audit_log'));
      const read = p.entries.find((e) => e.action === 'audit_log');
      expect(read).toMatchObject({ actor: 'root', outcome: 'ok', detail: since });
      // From the read on: the read itself and later ones, none of the older user_add.
      const recent = page(await root.call('audit_log', [null, 50, read?.at]), 'since');
      expect(recent.entries.length).toBeGreaterThan(0);
      expect(recent.entries.every((e) => e.at >= (read?.at ?? ''))).toBe(true);
      expect(recent.entries.some((e) => e.action === 'user_add')).toBe(false);
      expectOk(await root.call('audit_log', [null, 100_000]), 'a huge limit counts as 200');
      for (const bad of [['x1'], [null, 0], [null, 10, 'yesterday'], [7]]) {
        expect(codeOf(await root.call('audit_log', bad))).toBe('invalid_input');
      }
      await server.stop();
    },
    SLOW,
  );

  it(
    'never shows a password, reset code or token in any entry',
    async () => {
      const server = await startServer({
        users: [ROOT, BOB],
        config: { login: { lock_after: 3, ip_failures: 1_000 } },
      });
      const bob = await loggedIn(server.port, BOB);
      const secrets = [BOB.password, ROOT.password, 'Wrong!pass-word-9', 'N3w!long-pass-B'];
      if (bob.token) secrets.push(bob.token);
      expectOk(await bob.call('change_password', [BOB.password, 'N3w!long-pass-B']), 'passwd');
      for (let i = 0; i < 3; i++) {
        const c = new TestClient();
        await c.connect(server.port);
        expect(codeOf(await c.call('veus', ['bob', 'Wrong!pass-word-9']))).toBe(
          'invalid_credentials',
        );
        c.destroy();
      }
      const root = await loggedIn(server.port, ROOT);
      if (root.token) secrets.push(root.token);
      expectOk(await root.call('ban', ['bob', 'spam']), 'ban');
      const p = await newestUntil(root, (q) => q.entries.some((e) => e.action === 'ban'));
      const actions = p.entries.map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['password_changed', 'account_locked']));
      const text = JSON.stringify(p);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toContain('argon2');
      await server.stop();
    },
    SLOW,
  );
});
