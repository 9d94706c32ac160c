import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeStorageContract } from '../storage-contract.ts';
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
});
