// PostgreSQL round trips, counted against a real server: reads that used to cost one per
// conversation (a backlog after a login, a page of the conversation list) now cost a fixed
// number, however many conversations the user has; an append to a known conversation and a
// cursor write cost the few statements the tests name, and a turn's ack lookups one (each is a round trip between
// processes, the main cost of a message on PostgreSQL); and a batch's rows are found by
// index, not by reading whole small tables (db.ts, the pool's planner settings).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type PostgresService,
  postgresMissing,
  startPostgres,
} from '../../../test/services/postgres.ts';
import { type CursorUpdate, directKey, type NewMessage } from '../conversations.ts';
import { PgConversations } from './conversations.ts';
import { PgDb } from './db.ts';
import { migrate } from './migrations.ts';

const missing = postgresMissing();
if (missing) console.log(`PostgreSQL round-trip tests skipped: ${missing}`);

const ME = 1;
const PEERS = Array.from({ length: 40 }, (_, i) => i + 2);
const dm = (from: number, text: string, sentAt: number): NewMessage => ({
  key: directKey(ME, from),
  kind: 'direct',
  members: [ME, from].sort((a, b) => a - b),
  senderId: from,
  text,
  sentAt,
  clientId: null,
  delivered: false,
});

describe.skipIf(missing !== undefined)('PostgreSQL round trips per read', () => {
  let service: PostgresService;
  let db: PgDb;
  let conversations: PgConversations;
  let url: string;
  beforeAll(async () => {
    service = await startPostgres();
    url = await service.createDatabase();
    db = new PgDb({ url, poolMax: 2 });
    await migrate(db.pool);
    conversations = new PgConversations(db);
    // Forty conversations, each with two messages waiting for ME; the newest peer wrote last.
    for (const [i, peer] of PEERS.entries())
      await conversations.append(
        [dm(peer, `${peer}a`, 1_000 + i), dm(peer, `${peer}b`, 1_000 + i)],
        0,
      );
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    service?.stop();
  });

  it("finds a batch's rows by index even on small tables (no whole-table scans, no hash joins)", async () => {
    // Forty conversations fit in a page or two: with stock settings PostgreSQL scans them
    // whole and hashes, and under constant updates steps over every dead row version.
    const plan = await db.q<{ 'QUERY PLAN': string }>(
      `EXPLAIN UPDATE conversations c SET last_at = v.at
       FROM unnest($1::bigint[], $2::bigint[]) AS v(id, at) WHERE c.id = v.id`,
      [
        [1, 2, 3],
        [1, 2, 3],
      ],
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('Index Scan using conversations_pkey');
    expect(text).not.toMatch(/Seq Scan|Hash Join|Merge Join/);
  });

  it('plans a named statement once per connection, though its parameters are arrays', async () => {
    // By default PostgreSQL plans a statement with array parameters again at every call,
    // and the per-turn ack lookup spent three times its execution time planning.
    const one = new PgDb({ url, poolMax: 1 });
    try {
      const lookups = new PgConversations(one);
      for (const peer of PEERS.slice(0, 8))
        expect((await lookups.memberByKey(ME, directKey(ME, peer)))?.member).toBeDefined();
      const { rows } = await one.q<{ generic_plans: number; custom_plans: number }>(
        `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'members_by_key'`,
      );
      expect(rows).toEqual([{ generic_plans: 8, custom_plans: 0 }]);
    } finally {
      await one.close();
    }
  });

  /** The statements `read` sends, counted on the pool's query method. */
  async function statementsOf<T>(
    read: () => Promise<T>,
  ): Promise<{ result: T; statements: number }> {
    const q = vi.spyOn(db, 'q');
    try {
      const result = await read();
      return { result, statements: q.mock.calls.length };
    } finally {
      q.mockRestore();
    }
  }

  it('reads the backlog of forty conversations in one statement', async () => {
    const { result, statements } = await statementsOf(() =>
      conversations.backlog(ME, new Map(), 1_000),
    );
    expect(statements).toBe(1);
    expect(result.more).toBe(false);
    expect(result.messages.map((m) => m.text)).toEqual(PEERS.flatMap((p) => [`${p}a`, `${p}b`]));
    // Within a limit, and above what the session was already sent.
    const first = await conversations.findConversation(directKey(ME, 2));
    const page = await statementsOf(() =>
      conversations.backlog(ME, new Map([[first?.id as number, 1]]), 5),
    );
    expect(page.statements).toBe(1);
    expect(page.result.more).toBe(true);
    expect(page.result.messages.map((m) => m.text)).toEqual(['2b', '3a', '3b', '4a', '4b']);
  });

  it('lists a page of forty conversations in one statement, the next page in two', async () => {
    const { result, statements } = await statementsOf(() =>
      conversations.listConversations(ME, 40),
    );
    expect(statements).toBe(1);
    expect(result.total).toBe(40);
    const newest = PEERS.at(-1) as number;
    expect(result.items[0]).toMatchObject({
      key: directKey(ME, newest),
      members: [ME, newest],
      last: { text: `${newest}b`, seq: 2, senderId: newest },
    });
    expect(result.items.map((i) => i.key)).toEqual(
      [...PEERS].reverse().map((p) => directKey(ME, p)),
    );
    const next = await statementsOf(() =>
      conversations.listConversations(ME, 10, directKey(ME, 3)),
    );
    expect(next.statements).toBe(2);
    expect(next.result.items.map((i) => i.key)).toEqual([directKey(ME, 2)]);
    expect(next.result.total).toBe(40);
    const beyond = await conversations.listConversations(ME, 10, directKey(ME, 2));
    expect(beyond).toEqual({ items: [], total: 40 });
  });
  it('writes forty cursors in one statement and no BEGIN or COMMIT; finds an ack target in one', async () => {
    const convs = await Promise.all(
      PEERS.map((peer) => conversations.findConversation(directKey(ME, peer))),
    );
    const sent = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await conversations.saveCursors(
        convs.map((c) => ({ userId: ME, convId: c?.id as number, deliveredSeq: 2 })),
      );
      expect(sent.mock.calls.length).toBe(1);
    } finally {
      sent.mockRestore();
    }
    const first = convs[0]?.id as number;
    expect((await conversations.membership(ME, first))?.deliveredSeq).toBe(2);
    const { result, statements } = await statementsOf(() =>
      conversations.memberByKey(ME, directKey(ME, 2)),
    );
    expect(statements).toBe(1);
    expect(result?.member).toMatchObject({ id: first, deliveredSeq: 2, lastSeq: 2 });
    // The lookups of one turn (an ack storm) are one statement, each answered its own.
    const many = await statementsOf(() =>
      Promise.all([
        ...PEERS.map((peer) => conversations.memberByKey(ME, directKey(ME, peer))),
        conversations.memberByKey(ME, directKey(ME, 999)),
        conversations.memberByKey(999, directKey(ME, 2)),
      ]),
    );
    expect(many.statements).toBe(1);
    expect(many.result.slice(0, PEERS.length).map((r) => r?.member?.key)).toEqual(
      PEERS.map((peer) => directKey(ME, peer)),
    );
    expect(many.result[PEERS.length]).toBeUndefined();
    expect(many.result[PEERS.length + 1]).toMatchObject({
      conv: { key: directKey(ME, 2) },
      member: undefined,
    });
  });
  it('appends to a known direct conversation in one statement, client_ids and acks included', async () => {
    const sent = vi.spyOn(pg.Client.prototype, 'query');
    const count = async (messages: NewMessage[], acks: CursorUpdate[] = []) => {
      sent.mockClear();
      await conversations.append(messages, 0, acks);
      return sent.mock.calls.length;
    };
    try {
      const peer = 900;
      // New: it is created with its members first, in a transaction.
      expect(await count([dm(peer, 'n1', 5_000)])).toBe(6);
      expect(await count([dm(peer, 'n2', 5_001), dm(peer, 'n3', 5_002)])).toBe(1);
      const conv = (await conversations.findConversation(directKey(ME, peer)))?.id as number;
      const ack = { userId: ME, convId: conv, deliveredSeq: 3 };
      expect(await count([{ ...dm(peer, 'n4', 5_003), clientId: 'c-1' }], [ack])).toBe(1);
      expect((await conversations.membership(ME, conv))?.deliveredSeq).toBe(3);
      // A stored client_id: the one statement writes nothing, the transaction answers it.
      expect(await count([{ ...dm(peer, 'n4 again', 5_004), clientId: 'c-1' }])).toBeGreaterThan(1);
    } finally {
      sent.mockRestore();
    }
    const stored = await conversations.findConversation(directKey(ME, 900));
    expect(stored?.lastSeq).toBe(4);
  });
});
