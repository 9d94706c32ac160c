// #global for accounts that existed before it: a database made at the schema version
// before groups is opened by the real server, whose migration puts its users in #global.
// TCP only: what is tested is the migration of stored data at start-up; #global over the
// wire runs over both transports in cases/group-moderation.case.ts.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/server/security/passwords.ts';
import { MIGRATIONS } from '../../src/storage/sqlite/migrations.ts';
import { closeAllClients, loginClient } from './client.ts';
import { ok, waitMessages } from './groups-support.ts';
import { cleanup, makeTempDir, startServer } from './harness.ts';
import { PASSWORD } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

/** A data dir holding a database at the version before groups, with two users. */
async function olderDatabase(): Promise<string> {
  const { dataDir } = makeTempDir();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dataDir, 'super-server.db'));
  // Every migration before the one that creates the groups (later ones follow it).
  const groups = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE groups'));
  for (const [v, sql] of MIGRATIONS.slice(0, groups).entries()) {
    db.exec(sql);
    db.pragma(`user_version = ${v + 1}`);
  }
  const hash = await hashPassword(PASSWORD);
  const add = db.prepare(
    `INSERT INTO users (username, username_key, email, password_hash, level, created_at)
     VALUES (?, lower(?), ?, ?, 'basic', '2026-11-01T00:00:00.000Z')`,
  );
  add.run('OldAlice', 'OldAlice', 'oldalice@example.com', hash);
  add.run('oldbob', 'oldbob', 'oldbob@example.com', hash);
  db.close();
  return dataDir;
}

describe('#global after the upgrade', () => {
  it('holds the accounts of the older database: they see it and talk in it', async () => {
    const server = await startServer({ dataDir: await olderDatabase() });
    const alice = await loginClient(server.port, 'OldAlice', PASSWORD);
    const bob = await loginClient(server.port, 'oldbob', PASSWORD);
    const groups = await ok(alice, 'list_groups', []);
    expect(groups.groups).toEqual([
      { conv: '#global', visibility: 'public', members: 2, role: 'member' },
    ]);
    const members = await ok(bob, 'group_members', ['#global']);
    expect(members.members).toEqual([
      { username: 'OldAlice', role: 'member', online: true },
      { username: 'oldbob', role: 'member', online: true },
    ]);
    expect(await ok(alice, 'message_group', ['#global', 'still here'])).toMatchObject({
      conv: '#global',
      seq: 1,
      online: 1,
    });
    const got = await waitMessages(bob, '#global', 1);
    expect(got[0]?.data).toMatchObject({ from: 'OldAlice', to: '#global', text: 'still here' });
  });
});
