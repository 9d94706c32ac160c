import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { ConvDirectory, DELETED_NAME } from './conv-directory.ts';

async function setup() {
  const storage = openSqliteStorage(join(mkdtempSync(join(tmpdir(), 'ss-dir-')), 'db.sqlite'));
  const user = (username: string) =>
    storage.createUser({
      username,
      email: `${username}@example.com`,
      phone: null,
      passwordHash: 'x',
      level: 'basic',
      createdAt: new Date(0).toISOString(),
      pendingUntil: null,
    });
  await user('root');
  const ann = await user('ann');
  let now = 0;
  const directory = new ConvDirectory(storage, () => now);
  return { storage, ann, directory, advance: (ms: number) => (now += ms) };
}

describe('ConvDirectory names', () => {
  it('shows a deleted account as [deleted] within a minute, and at once after forget', async () => {
    const t = await setup();
    expect(await t.directory.nameOf(t.ann.id)).toBe('ann');
    await t.storage.deleteUser(t.ann.id, 1, 'admin');
    // Deleted elsewhere (another node, the CLI): the cached name holds for its minute.
    expect(await t.directory.nameOf(t.ann.id)).toBe('ann');
    t.advance(60_000);
    expect(await t.directory.nameOf(t.ann.id)).toBe(DELETED_NAME);
    t.directory.learn(t.ann.id, 'ann');
    t.directory.forget(t.ann.id);
    expect(await t.directory.nameOf(t.ann.id)).toBe(DELETED_NAME);
    await t.storage.close();
  });
});
