import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
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
});
