// The baseline has no storage: it learns the run's accounts from a file the bench
// writes from the seeded database, so both servers check the same argon2id hashes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';

/** Writes `accounts.json` (id, username, level, password hash of every active account) into `root`. */
export async function writeBaselineAccounts(root: string, dataDir: string): Promise<string> {
  const storage = openSqliteStorage(join(dataDir, 'super-server.db'));
  try {
    const users = (await storage.listUsers())
      .filter((u) => u.deletedAt === null && u.pendingUntil === null && u.bannedAt === null)
      .map((u) => ({
        id: u.id,
        username: u.username,
        level: u.level,
        password_hash: u.passwordHash,
      }));
    const file = join(root, 'accounts.json');
    // The hashes are the database's: readable by this user only, like the database.
    writeFileSync(file, JSON.stringify({ users }), { mode: 0o600 });
    return file;
  } finally {
    await storage.close();
  }
}
