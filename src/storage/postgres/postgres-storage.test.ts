// The shared storage contracts against a real PostgreSQL (test/services/postgres.ts), each
// test on a database of its own; and what only PostgreSQL has: migrating once per cluster,
// seqs gapless under concurrent writers, errors of an unreachable database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PostgresService,
  postgresMissing,
  startPostgres,
} from '../../../test/services/postgres.ts';
import { describeConversationContract } from '../conversation-contract.ts';
import { directKey } from '../conversations.ts';
import { describeGroupContract } from '../group-contract.ts';
import { describeLoginCodeContract } from '../login-code-contract.ts';
import { StorageUnavailable } from '../storage.ts';
import { describeStorageContract } from '../storage-contract.ts';
import { openPostgresStorage } from './postgres-storage.ts';

const missing = postgresMissing();
if (missing) console.log(`PostgreSQL storage tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)('PostgreSQL storage', () => {
  let pg: PostgresService;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  const fresh = async () => openPostgresStorage({ url: await pg.createDatabase(), poolMax: 4 });
  describeStorageContract('postgres', fresh);
  describeConversationContract('postgres', fresh);
  describeGroupContract('postgres', fresh);
  describeLoginCodeContract('postgres', fresh);

  it('migrates once when several nodes open one database together', async () => {
    const url = await pg.createDatabase();
    const nodes = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStorage({ url, poolMax: 2 })),
    );
    const epochs = await Promise.all(nodes.map((n) => n.conversations.epoch()));
    expect(new Set(epochs).size).toBe(1);
    const again = await openPostgresStorage({ url, poolMax: 1 });
    expect(await again.conversations.epoch()).toBe(epochs[0]);
    await Promise.all([...nodes, again].map((n) => n.close()));
  });

  it('numbers one conversation 1..n without gaps under concurrent writers', async () => {
    const url = await pg.createDatabase();
    const nodes = await Promise.all(
      Array.from({ length: 3 }, () => openPostgresStorage({ url, poolMax: 3 })),
    );
    const key = directKey(1, 2);
    const batch = (node: number, round: number) =>
      Array.from({ length: 5 }, (_, i) => ({
        key,
        kind: 'direct' as const,
        members: [1, 2],
        senderId: 1 + (i % 2),
        text: `n${node} r${round} m${i}`,
        sentAt: 1_000 + round,
        clientId: null,
        delivered: false,
      }));
    const calls = [];
    for (let round = 0; round < 8; round++) {
      for (const [i, node] of nodes.entries())
        calls.push(node.conversations.append(batch(i, round), 0));
    }
    const results = (await Promise.all(calls)).flat();
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    // Each batch's messages are consecutive, in their order.
    const conv = await nodes[0]?.conversations.findConversation(key);
    expect(conv?.lastSeq).toBe(120);
    const page = await nodes[0]?.conversations.history(conv?.id as number, null, 200);
    expect(page?.messages.map((m) => m.seq)).toEqual(seqs);
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('answers StorageUnavailable when the database cannot be reached', async () => {
    const storage = await openPostgresStorage({ url: await pg.createDatabase(), poolMax: 1 });
    await storage.close();
    // A closed pool and a port nobody listens on fail the same way for the caller.
    await expect(
      openPostgresStorage({
        url: 'postgres://postgres@127.0.0.1:1/postgres',
        connectTimeoutMs: 2_000,
      }),
    ).rejects.toBeInstanceOf(StorageUnavailable);
  });
});
