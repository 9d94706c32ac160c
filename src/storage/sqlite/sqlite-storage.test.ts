import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DIST_DIR } from '../../../test/programs.ts';
import { describeStorageContract } from '../storage-contract.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStorage } from './sqlite-storage.ts';

describeStorageContract('sqlite file', async () =>
  openSqliteStorage(join(mkdtempSync(join(tmpdir(), 'ss-sqlite-')), 'db', 'super-server.db')),
);

describe('SQLite storage', () => {
  it('keeps users across reopening and migrates only once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ss-sqlite-')), 'super-server.db');
    const first = openSqliteStorage(file);
    await first.createUser({
      username: 'kept',
      email: 'kept@example.com',
      phone: null,
      passwordHash: 'h',
      level: 'basic',
      createdAt: '2026-11-25T00:00:00.000Z',
      pendingUntil: null,
    });
    await first.close();
    const second = openSqliteStorage(file);
    expect((await second.findUserByName('kept'))?.email).toBe('kept@example.com');
    await second.close();
  });

  it('moves a pending confirmation code of a version-4 database into the codes table', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ss-sqlite-')), 'super-server.db');
    const old = new Database(file);
    for (const [v, sql] of MIGRATIONS.slice(0, 4).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${v + 1}`);
    }
    old
      .prepare(
        `INSERT INTO users (username, username_key, email, password_hash, level, created_at, pending_until)
         VALUES ('new', 'new', 'new@example.com', 'h', 'basic', '2026-11-25T00:00:00.000Z', 9000)`,
      )
      .run();
    old.prepare(`INSERT INTO email_codes VALUES (1, 'hash', 900, 4)`).run();
    old.close();
    const migrated = openSqliteStorage(file);
    expect(await migrated.findCode('confirm', 1)).toEqual({
      codeHash: 'hash',
      expiresAt: 900,
      attemptsLeft: 4,
    });
    expect(await migrated.findUserById(1)).toMatchObject({ deletedAt: null, bannedAt: null });
    await migrated.close();
  });

  it('creates #global at the groups migration with every active account of the older database in it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ss-sqlite-')), 'super-server.db');
    // Every migration before the groups one (later ones, e.g. identities, came after it).
    const before = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE groups'));
    const old = new Database(file);
    for (const [v, sql] of MIGRATIONS.slice(0, before).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${v + 1}`);
    }
    const add = old.prepare(
      `INSERT INTO users (username, username_key, email, password_hash, level, created_at, pending_until, deleted_at)
       VALUES (?, lower(?), ? || '@example.com', 'h', 'basic', '2026-11-25T00:00:00.000Z', ?, ?)`,
    );
    add.run('Active', 'Active', 'active', null, null);
    add.run('pending', 'pending', 'pending', 9_999_999_999_999, null);
    add.run('gone', 'gone', 'gone', null, 1_000);
    add.run('second', 'second', 'second', null, null);
    old.close();
    const migrated = openSqliteStorage(file);
    const global = await migrated.groups.find('global');
    expect(global).toMatchObject({ conv: '#global', visibility: 'public', lastSeq: 0 });
    const page = await migrated.groups.members(global?.convId ?? 0, 10);
    expect(page.members.map((m) => [m.username, m.role])).toEqual([
      ['Active', 'member'],
      ['second', 'member'],
    ]);
    expect(await migrated.groups.ownerOf(global?.convId ?? 0)).toBeUndefined();
    // The pending account joins when it is confirmed; new accounts when they are created.
    await migrated.activateUser(2);
    const fresh = await migrated.createUser({
      username: 'later',
      email: 'later@example.com',
      phone: null,
      passwordHash: 'h',
      level: 'basic',
      createdAt: '2026-12-01T00:00:00.000Z',
      pendingUntil: null,
    });
    expect((await migrated.groups.groupsOf(fresh.id)).length).toBe(1);
    expect((await migrated.groups.members(global?.convId ?? 0, 10)).total).toBe(4);
    await migrated.close();
  });
});

describe('storage.sync', () => {
  it('is synchronous NORMAL by default and FULL when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-sync-'));
    const normal = openSqliteStorage(join(dir, 'a.db'));
    const full = openSqliteStorage(join(dir, 'b.db'), { sync: 'full' });
    const level = (s: typeof normal) =>
      (s as unknown as { db: { pragma(q: string, o: object): unknown } }).db.pragma('synchronous', {
        simple: true,
      });
    expect(level(normal)).toBe(1);
    expect(level(full)).toBe(2);
    await normal.close();
    await full.close();
  });
});

describe('background checkpoints', () => {
  it('copy the WAL into the database file from another thread', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ss-ckpt-')), 'super-server.db');
    const s = openSqliteStorage(file, { backgroundCheckpoints: true });
    const done = new Promise<void>((resolve) =>
      s.checkpointer?.onReport((r) => {
        if ((r.log ?? 0) > 0 && r.checkpointed === r.log) resolve();
      }),
    );
    const m = {
      key: 'dm:00001:00002',
      kind: 'direct' as const,
      members: [1, 2],
      senderId: 1,
      text: 'x'.repeat(200),
      sentAt: 1,
      clientId: null,
      delivered: false,
    };
    await s.conversations.append(
      Array.from({ length: 2_000 }, () => m),
      0,
    );
    await done;
    await s.close();
    const again = openSqliteStorage(file);
    const conv = await again.conversations.findConversation('dm:00001:00002');
    expect(conv?.lastSeq).toBe(2_000);
    await again.close();
  });

  it('migrates once when several processes open a new database at the same moment', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ss-sqlite-')), 'super-server.db');
    // The compiled module (test/global-setup.ts builds it from this source): no tsx per child.
    const compiled = pathToFileURL(join(DIST_DIR, 'storage/sqlite/sqlite-storage.js')).href;
    const opener = `import { openSqliteStorage } from ${JSON.stringify(compiled)};
      const s = openSqliteStorage(process.argv[1]); await s.close();`;
    const open = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', opener, file], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('exit', resolve);
      });
    expect(await Promise.all([open(), open(), open(), open()])).toEqual([0, 0, 0, 0]);
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });
});
