// What one append batch costs per message, through the real SqliteStorage on a temporary
// directory (docs/benchmarks.md, "The append path"):
//   node --import tsx bench/store-append.ts [batches] [rounds]
// For batches of 32 and 256 messages over 200 direct conversations (two senders each, in
// turn), without and with a client_id, it prints one JSON line per case: the real
// `append`'s CPU µs per message, the checkpoint CPU and WAL bytes per message, and a split
// by statement from a timed replica of the append loop on the same database (BEGIN IMMEDIATE, the
// client_id lookup, the conversation read, the message insert, the sender's cursor read,
// the client_ids insert, the last_seq and cursor updates, COMMIT). Cases are interleaved
// `rounds` times and each figure is the median over rounds. CPU time, not wall time, is
// counted (the split is of wall time, scaled to the replica's CPU), so a shared machine
// skews it less. For exploration, BENCH_PAGE_SIZE=N creates the files with another page size
// and BENCH_CACHE_KIB=N sets the page cache.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewMessage } from '../src/storage/conversations.ts';
import { openSqliteStorage, type SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { BENCH_CONVERSATIONS, benchMessage } from './lib/append-messages.ts';

function batches(count: number, size: number, clientId: boolean, from: number): NewMessage[][] {
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: size }, (_, j) => {
      const n = from + i * size + j;
      return benchMessage(n, clientId ? `c-${n}` : null);
    }),
  );
}

/** The storage's own connection (a bench may look inside; the server never does). */
function dbOf(s: SqliteStorage): Database.Database {
  return (s as unknown as { db: Database.Database }).db;
}

const PARTS = [
  'begin',
  'client_id_lookup',
  'conv_read',
  'message_insert',
  'cursor_read',
  'client_ids_insert',
  'last_seq_update',
  'cursor_update',
  'commit',
] as const;
type Part = (typeof PARTS)[number];

/** The statements of the append loop as issue 11 wrote it, each timed. */
function replica(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  const st = {
    begin: p('BEGIN IMMEDIATE'),
    commit: p('COMMIT'),
    clientId: p(
      'SELECT conv_id, seq, at, delivered FROM client_ids WHERE sender_id = ? AND client_id = ?',
    ),
    convById: p('SELECT id, key, kind, last_seq, last_at FROM conversations WHERE id = ?'),
    convByKey: p('SELECT id, key, kind, last_seq, last_at FROM conversations WHERE key = ?'),
    insertMessage: p(
      'INSERT INTO messages (conv_id, seq, sender_id, text, sent_at, client_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    cursorOf: p(
      'SELECT delivered_seq, read_seq FROM conv_members WHERE user_id = ? AND conv_id = ?',
    ),
    putClientId: p(
      `INSERT OR REPLACE INTO client_ids (sender_id, client_id, conv_id, seq, at, delivered)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    updateConv: p('UPDATE conversations SET last_seq = ?, last_at = ? WHERE id = ?'),
    moveCursors: p(
      `UPDATE conv_members SET delivered_seq = max(delivered_seq, ?), read_seq = max(read_seq, ?)
       WHERE user_id = ? AND conv_id = ?`,
    ),
  };
  const ids = new Map<string, number>();
  const spent = Object.fromEntries(PARTS.map((k) => [k, 0])) as Record<Part, number>;
  let t = 0;
  const lap = (part: Part) => {
    const now = performance.now();
    spent[part] += now - t;
    t = now;
  };
  const run = (messages: readonly NewMessage[]) => {
    t = performance.now();
    st.begin.run();
    lap('begin');
    const convs = new Map<string, { id: number; lastSeq: number; lastAt: number }>();
    const cursors = new Map<string, { u: number; c: number; d: number; r: number }>();
    for (const m of messages) {
      if (m.clientId !== null) {
        st.clientId.get(m.senderId, m.clientId);
        lap('client_id_lookup');
      }
      let conv = convs.get(m.key);
      if (!conv) {
        const known = ids.get(m.key);
        const row = (known === undefined ? st.convByKey.get(m.key) : st.convById.get(known)) as {
          id: number;
          last_seq: number;
          last_at: number;
        };
        ids.set(m.key, row.id);
        conv = { id: row.id, lastSeq: row.last_seq, lastAt: row.last_at };
        convs.set(m.key, conv);
        lap('conv_read');
      }
      const seq = ++conv.lastSeq;
      conv.lastAt = m.sentAt;
      st.insertMessage.run(conv.id, seq, m.senderId, m.text, m.sentAt, m.clientId);
      lap('message_insert');
      const ck = `${m.senderId}:${conv.id}`;
      let cursor = cursors.get(ck);
      if (!cursor) {
        const row = st.cursorOf.get(m.senderId, conv.id) as {
          delivered_seq: number;
          read_seq: number;
        };
        cursor = { u: m.senderId, c: conv.id, d: row.delivered_seq, r: row.read_seq };
        cursors.set(ck, cursor);
        lap('cursor_read');
      }
      if (cursor.d === seq - 1) cursor.d = seq;
      cursor.r = Math.max(cursor.r, seq);
      if (m.clientId !== null) {
        st.putClientId.run(m.senderId, m.clientId, conv.id, seq, m.sentAt, 1);
        lap('client_ids_insert');
      }
    }
    for (const c of convs.values()) st.updateConv.run(c.lastSeq, c.lastAt, c.id);
    lap('last_seq_update');
    for (const c of cursors.values()) st.moveCursors.run(c.d, c.r, c.u, c.c);
    lap('cursor_update');
    st.commit.run();
    lap('commit');
  };
  return { run, spent };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const round2 = (x: number) => Number(x.toFixed(2));

/** CPU time of this process (ms), all threads. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Pages the WAL holds before it is checkpointed, as SQLite's default autocheckpoint. */
const CHECKPOINT_PAGES = 1000;

/**
 * Runs `work` over `list` and checkpoints the WAL whenever it passes CHECKPOINT_PAGES
 * (as the server's checkpoint thread would); returns CPU ms of the work and of the
 * checkpoints, and WAL bytes written.
 */
async function measure<T>(
  db: Database.Database,
  walFile: string,
  list: readonly T[],
  work: (item: T) => unknown,
): Promise<{ workMs: number; checkpointMs: number; walBytes: number }> {
  let workMs = 0;
  let checkpointMs = 0;
  let walBytes = 0;
  let walAt = statSync(walFile).size;
  for (const item of list) {
    const c0 = cpuMs();
    await work(item);
    workMs += cpuMs() - c0;
    const wal = statSync(walFile).size;
    if (wal > walAt) walBytes += wal - walAt;
    walAt = wal;
    if (wal > CHECKPOINT_PAGES * 4096) {
      const c1 = cpuMs();
      db.pragma('wal_checkpoint(TRUNCATE)');
      checkpointMs += cpuMs() - c1;
      walAt = 0;
    }
  }
  return { workMs, checkpointMs, walBytes };
}

/** One case on a fresh database: the real append, then the timed replica; µs per message. */
async function once(size: number, clientId: boolean, count: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ss-append-'));
  const file = join(dir, 'super-server.db');
  const wal = `${file}-wal`;
  // As the server opens it (WAL, synchronous NORMAL); checkpoints are run by `measure`.
  const pageSize = Number(process.env.BENCH_PAGE_SIZE ?? 0);
  if (pageSize > 0) {
    // Exploration only: a new file with another page size (set before anything is written).
    const pre = new Database(file);
    pre.pragma(`page_size = ${pageSize}`);
    pre.exec('CREATE TABLE x (y); DROP TABLE x');
    pre.close();
  }
  const s = openSqliteStorage(file, 'normal');
  const db = dbOf(s);
  db.pragma('wal_autocheckpoint = 0');
  if (process.env.BENCH_CACHE_KIB) db.pragma(`cache_size = -${process.env.BENCH_CACHE_KIB}`);
  // Warm-up: every conversation exists and has history, statements are compiled.
  for (const b of batches(20, 256, clientId, 0)) await s.conversations.append(b, 0);
  db.pragma('wal_checkpoint(TRUNCATE)');
  let n = 20 * 256;
  const messages = count * size;
  const real = await measure(db, wal, batches(count, size, clientId, n), (b) =>
    s.conversations.append(b, 0),
  );
  n += messages;
  const r = replica(db);
  const t0 = performance.now();
  const rep = await measure(db, wal, batches(count, size, clientId, n), (b) => r.run(b));
  const wallMs = performance.now() - t0;
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  // The split is of wall time; it is scaled to the replica's CPU time (the machine is shared).
  const laps = PARTS.reduce((a, k) => a + r.spent[k], 0);
  const scale = rep.workMs / laps;
  const split = Object.fromEntries(
    PARTS.map((k) => [k, (r.spent[k] * scale * 1000) / messages]),
  ) as Record<Part, number>;
  return {
    appendUs: (real.workMs * 1000) / messages,
    checkpointUs: (real.checkpointMs * 1000) / messages,
    walPerMsg: real.walBytes / messages,
    replicaUs: (rep.workMs * 1000) / messages,
    cpuShare: rep.workMs / wallMs,
    split,
  };
}

async function main(count: number, rounds: number): Promise<void> {
  const cases = [32, 256].flatMap((size) => [false, true].map((clientId) => ({ size, clientId })));
  const runs = cases.map(() => [] as Awaited<ReturnType<typeof once>>[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of cases.entries()) {
      runs[i]?.push(await once(c.size, c.clientId, Math.ceil(count / c.size)));
    }
  }
  for (const [i, c] of cases.entries()) {
    const rs = runs[i] ?? [];
    console.log(
      JSON.stringify({
        batch: c.size,
        client_id: c.clientId,
        conversations: BENCH_CONVERSATIONS,
        messages: Math.ceil(count / c.size) * c.size,
        rounds,
        append_us_per_msg: round2(median(rs.map((r) => r.appendUs))),
        append_us_min_max: [
          round2(Math.min(...rs.map((r) => r.appendUs))),
          round2(Math.max(...rs.map((r) => r.appendUs))),
        ],
        checkpoint_us_per_msg: round2(median(rs.map((r) => r.checkpointUs))),
        wal_bytes_per_msg: Math.round(median(rs.map((r) => r.walPerMsg))),
        cpu_share: round2(median(rs.map((r) => r.cpuShare))),
        replica_us_per_msg: round2(median(rs.map((r) => r.replicaUs))),
        replica_split_us: Object.fromEntries(
          PARTS.map((k) => [k, round2(median(rs.map((r) => r.split[k])))]),
        ),
      }),
    );
  }
}

const [a, b] = process.argv.slice(2);
await main(Number(a ?? 51_200), Number(b ?? 3));
