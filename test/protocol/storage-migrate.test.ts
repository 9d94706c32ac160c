// `super-server storage migrate --from <data dir> --to <postgres url>`: a SQLite database with
// users, direct and group messages, a group, codes and audit arrives whole in PostgreSQL, and
// the PostgreSQL storage goes on from it (new ids and seqs past the copied ones).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directKey, type NewMessage } from '../../src/storage/conversations.ts';
import { openPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { NewUser } from '../../src/storage/storage.ts';
import { type PostgresService, postgresMissing, startPostgres } from '../services/postgres.ts';
import { makeTempDir, runCli } from './harness.ts';

const missing = postgresMissing();
if (missing) console.log(`storage migrate tests skipped: ${missing}`);

const user = (name: string): NewUser => ({
  username: name,
  email: `${name.toLowerCase()}@example.com`,
  phone: null,
  passwordHash: `hash-of-${name}`,
  level: 'basic',
  createdAt: '2026-12-01T00:00:00.000Z',
  pendingUntil: null,
});

const dm = (from: number, to: number, text: string, clientId: string | null): NewMessage => ({
  key: directKey(from, to),
  kind: 'direct',
  members: [from, to],
  senderId: from,
  text,
  sentAt: 5_000,
  clientId,
  delivered: false,
});

/** A SQLite data directory with two users, three direct messages, a group with one message. */
async function sqliteWorld(): Promise<{ dataDir: string; epoch: string }> {
  const { dataDir } = makeTempDir();
  const s = openSqliteStorage(join(dataDir, 'super-server.db'));
  const ann = await s.createUser(user('Ann'));
  const ben = await s.createUser(user('ben'));
  await s.saveCode('reset', ben.id, { codeHash: 'c', expiresAt: 9_000, attemptsLeft: 3 });
  await s.appendAudit([
    {
      at: '2026-12-01T00:00:01.000Z',
      actor: 'Ann',
      action: 'x',
      target: null,
      outcome: 'ok',
      detail: null,
      address: null,
    },
  ]);
  await s.conversations.append(
    [dm(ann.id, ben.id, 'one', 'c1'), dm(ben.id, ann.id, 'two', null)],
    0,
  );
  await s.conversations.append([dm(ann.id, ben.id, 'three', 'c3')], 0);
  const club = await s.groups.create('club', 'private', ann.id, 4_000, 5);
  await s.groups.join(club.convId, ben.id, null);
  await s.conversations.append(
    [
      {
        key: '#club',
        kind: 'group',
        members: [],
        senderId: ben.id,
        text: 'hi club',
        sentAt: 6_000,
        clientId: null,
        delivered: false,
      },
    ],
    0,
  );
  const epoch = await s.conversations.epoch();
  await s.close();
  return { dataDir, epoch };
}

describe.skipIf(missing !== undefined)('storage migrate to PostgreSQL', () => {
  let pg: PostgresService | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('copies every table and the PostgreSQL storage goes on from it', async () => {
    const { dataDir, epoch } = await sqliteWorld();
    const url = await (pg as PostgresService).createDatabase();
    const r = await runCli(['storage', 'migrate', '--from', dataDir, '--to', url], {
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/users 2, .*messages 4/);
    const s = await openPostgresStorage({ url });
    try {
      const ann = await s.findUserByName('ann');
      const ben = await s.findUserByName('BEN');
      expect(ann).toMatchObject({ username: 'Ann', passwordHash: 'hash-of-Ann', level: 'basic' });
      expect(await s.findCode('reset', ben?.id as number)).toEqual({
        codeHash: 'c',
        expiresAt: 9_000,
        attemptsLeft: 3,
      });
      expect((await s.listAudit({})).map((e) => e.actor)).toEqual(['Ann']);
      expect(await s.conversations.epoch()).toBe(epoch);
      const c = s.conversations;
      const conv = await c.findConversation(directKey(ann?.id as number, ben?.id as number));
      const h = await c.history(conv?.id as number, null, 10);
      expect(h.messages.map((m) => [m.seq, m.text])).toEqual([
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ]);
      // The client_id window came along: a resend is answered as the original.
      const again = await c.append([dm(ann?.id as number, ben?.id as number, 'one', 'c1')], 0);
      expect(again[0]).toMatchObject({ seq: 1, duplicate: true });
      const next = await c.append([dm(ben?.id as number, ann?.id as number, 'four', null)], 0);
      expect(next[0]?.seq).toBe(4);
      const club = await s.groups.find('club');
      expect(club).toMatchObject({ visibility: 'private', lastSeq: 1 });
      expect(
        (await s.groups.members(club?.convId as number, 10)).members.map((m) => [
          m.username,
          m.role,
        ]),
      ).toEqual([
        ['Ann', 'owner'],
        ['ben', 'member'],
      ]);
      expect((await s.groups.find('global'))?.convId).toBeGreaterThan(0);
      // New ids start past the copied ones.
      const cat = await s.createUser(user('cat'));
      expect(cat.id).toBe(3);
      const later = await s.groups.create('later', 'public', cat.id, 7_000, 5);
      expect(later.convId).toBeGreaterThan(club?.convId as number);
    } finally {
      await s.close();
    }
  }, 180_000);

  it('refuses a PostgreSQL database that already holds accounts', async () => {
    const { dataDir } = await sqliteWorld();
    const url = await (pg as PostgresService).createDatabase();
    const target = await openPostgresStorage({ url });
    await target.createUser(user('zed'));
    await target.close();
    const r = await runCli(['storage', 'migrate', '--from', dataDir, '--to', url], {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already holds accounts or messages/);
    const after = await openPostgresStorage({ url });
    expect((await after.listUsers()).map((u) => u.username)).toEqual(['zed']);
    await after.close();
  }, 180_000);
});
