// Idempotent sends on PostgreSQL under concurrent nodes (docs/protocol.md section 10): one
// client_id sent through two nodes at the same instant is stored once. Each node is its own
// storage (pool); a third connection holds the conversation's row lock until both appends
// are inside their transactions and waiting, so the two really overlap.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  type PostgresService,
  postgresMissing,
  startPostgres,
} from '../../../test/services/postgres.ts';
import { directKey, type NewMessage } from '../conversations.ts';
import { openPostgresStorage, type PostgresStorage } from './postgres-storage.ts';

const missing = postgresMissing();
if (missing) console.log(`PostgreSQL idempotent send tests skipped: ${missing}`);

const KEY = directKey(1, 2);
const message = (text: string, clientId: string | null, sentAt = 1_000): NewMessage => ({
  key: KEY,
  kind: 'direct',
  members: [1, 2],
  senderId: 1,
  text,
  sentAt,
  clientId,
  delivered: false,
});

/** Polls (bounded) until `n` super-server backends wait for a lock. */
async function waitForLockWaiters(admin: pg.Client, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE application_name = 'super-server' AND wait_event_type = 'Lock'`,
    );
    if (Number(rows[0]?.n) >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${n} appends ever waited for the conversation's lock`);
}

describe.skipIf(missing !== undefined)('idempotent sends on PostgreSQL', () => {
  let service: PostgresService;
  beforeAll(async () => {
    service = await startPostgres();
  }, 120_000);
  afterAll(() => service?.stop());

  /** Two nodes on one fresh database, the conversation created, and a connection to hold locks. */
  async function twoNodes() {
    const url = await service.createDatabase();
    const nodes = [
      await openPostgresStorage({ url, poolMax: 2 }),
      await openPostgresStorage({ url, poolMax: 2 }),
    ] as [PostgresStorage, PostgresStorage];
    await nodes[0].conversations.append([message('first', null)], 0);
    const blocker = new pg.Client({ connectionString: url });
    blocker.on('error', () => {});
    await blocker.connect();
    onTestFinished(async () => {
      await blocker.end();
      await Promise.all(nodes.map((n) => n.close()));
    });
    return { nodes, blocker };
  }

  /** Sends `messages[i]` through node i while the conversation is locked, then lets them go. */
  async function race(
    blocker: pg.Client,
    nodes: readonly PostgresStorage[],
    batches: readonly NewMessage[][],
    dedupSince: number,
  ) {
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM conversations WHERE key = $1 FOR UPDATE', [KEY]);
    const appends = batches.map((batch, i) =>
      (nodes[i] as PostgresStorage).conversations.append(batch, dedupSince),
    );
    try {
      await waitForLockWaiters(blocker, batches.length);
    } finally {
      await blocker.query('COMMIT');
    }
    return Promise.all(appends);
  }

  it('stores a client_id sent through two nodes at once only once, both answered its place', async () => {
    const { nodes, blocker } = await twoNodes();
    const [a, b] = await race(
      blocker,
      nodes,
      [[message('hello', 'c-1')], [message('hello', 'c-1')]],
      0,
    );
    const answers = [a?.[0], b?.[0]];
    expect(answers.filter((r) => r?.duplicate === false)).toHaveLength(1);
    expect(answers.filter((r) => r?.duplicate === true)).toHaveLength(1);
    expect(a?.[0]?.seq).toBe(2);
    expect(b?.[0]?.seq).toBe(2);
    const conv = await nodes[0].conversations.findConversation(KEY);
    expect(conv?.lastSeq).toBe(2);
    const page = await nodes[1].conversations.history(conv?.id as number, null, 10);
    expect(page.messages.map((m) => [m.seq, m.text, m.clientId])).toEqual([
      [1, 'first', null],
      [2, 'hello', 'c-1'],
    ]);
  });

  it('keeps the rest of both batches when one message of each is the same send', async () => {
    const { nodes, blocker } = await twoNodes();
    const [a, b] = await race(
      blocker,
      nodes,
      [
        [message('a1', 'a-1'), message('same', 'c-2'), message('a2', null)],
        [message('b1', 'b-1'), message('same', 'c-2')],
      ],
      0,
    );
    const all = [...(a ?? []), ...(b ?? [])];
    expect(all.filter((r) => r.duplicate)).toHaveLength(1);
    const sameSeqs = [a?.[1]?.seq, b?.[1]?.seq];
    expect(sameSeqs[0]).toBe(sameSeqs[1]);
    const conv = await nodes[0].conversations.findConversation(KEY);
    const page = await nodes[0].conversations.history(conv?.id as number, null, 10);
    const texts = page.messages.map((m) => m.text);
    expect(texts.filter((t) => t === 'same')).toHaveLength(1);
    expect([...texts].sort()).toEqual(['a1', 'a2', 'b1', 'first', 'same']);
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(conv?.lastSeq).toBe(5);
  });

  it('lets a client_id older than the window be used again, once, by two racing nodes', async () => {
    const { nodes, blocker } = await twoNodes();
    await nodes[0].conversations.append([message('old', 'c-3', 1_000)], 0);
    // The window starts after the old send: both racers may take the client_id over.
    const [a, b] = await race(
      blocker,
      nodes,
      [[message('new', 'c-3', 5_000)], [message('new', 'c-3', 5_000)]],
      2_000,
    );
    expect([a?.[0]?.duplicate, b?.[0]?.duplicate].sort()).toEqual([false, true]);
    expect(a?.[0]?.seq).toBe(3);
    expect(b?.[0]?.seq).toBe(3);
    const conv = await nodes[0].conversations.findConversation(KEY);
    const page = await nodes[0].conversations.history(conv?.id as number, null, 10);
    expect(page.messages.map((m) => m.text)).toEqual(['first', 'old', 'new']);
    // A resend now answers the new message's place.
    const [again] = await nodes[1].conversations.append([message('new', 'c-3', 6_000)], 2_000);
    expect(again).toMatchObject({ seq: 3, duplicate: true });
  });
});
