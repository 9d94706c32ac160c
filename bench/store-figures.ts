// Quick figures for the message store (docs/benchmarks.md, "Stored messages"):
//   node --import tsx bench/store-figures.ts size [messages] [normal|full]  bytes per message, longest append
//   node --import tsx bench/store-figures.ts contention [seconds]           one vs two processes appending
// (bench/store-append.ts splits one append batch's CPU by statement.)
// Goes through the real SqliteStorage (the server's own append), in a temporary directory;
// prints one JSON line per case. The database is measured after close (WAL checkpointed).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewMessage } from '../src/storage/conversations.ts';
import { openSqliteStorage, type SyncMode } from '../src/storage/sqlite/sqlite-storage.ts';
import { directMessage } from './lib/append-messages.ts';

/** Messages per append: one server turn of 200 busy clients. */
const GROUP = 200;

/** A direct message from `from` to `to`, the n-th of the run, with a client_id if asked. */
function message(from: number, to: number, n: number, clientId: boolean): NewMessage {
  return directMessage(from, to, n, clientId ? `c-${from}-${n}` : null);
}

/** Appends `total` messages in groups of GROUP, without and with a client_id; prints the size. */
async function size(total: number, sync: SyncMode): Promise<void> {
  for (const clientId of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'ss-size-'));
    const file = join(dir, 'super-server.db');
    const s = openSqliteStorage(file, sync);
    const started = performance.now();
    let longest = 0;
    // 1,000 users in 500 pairs; batches of 200 (a turn of 200 clients).
    for (let i = 0; i < total; i += GROUP) {
      const batch = Array.from({ length: Math.min(GROUP, total - i) }, (_, j) => {
        const n = i + j;
        const pair = n % 500;
        return message(2 * pair + 1, 2 * pair + 2, n, clientId);
      });
      const t0 = performance.now();
      await s.conversations.append(batch, 0);
      longest = Math.max(longest, performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    await s.close();
    const bytes = statSync(file).size;
    console.log(
      JSON.stringify({
        messages: total,
        sync,
        client_id: clientId,
        db_bytes: bytes,
        bytes_per_message: Math.round(bytes / total),
        mib_per_million: Math.round(((bytes / total) * 1e6) / 2 ** 20),
        appends_per_s: Math.round(total / seconds),
        group: GROUP,
        longest_batch_ms: Number(longest.toFixed(2)),
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Appends batches of 32 to its own conversation for `seconds`; prints count and lock waits. */
async function writer(file: string, id: number, seconds: number): Promise<void> {
  const s = openSqliteStorage(file);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  let longest = 0;
  let spent = 0;
  while (performance.now() < end) {
    const batch = Array.from({ length: 32 }, (_, j) => message(id, id + 100, n + j, false));
    const t0 = performance.now();
    await s.conversations.append(batch, 0);
    const took = performance.now() - t0;
    spent += took;
    longest = Math.max(longest, took);
    n += 32;
  }
  await s.close();
  process.stdout.write(JSON.stringify({ n, longest_ms: longest, mean_batch_ms: spent / (n / 32) }));
}

/** Starts one writer process on `file`; resolves with what it printed. */
async function run(file: string, id: number, seconds: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, 'writer', file, String(id), String(seconds)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out) as { n: number; longest_ms: number; mean_batch_ms: number };
}

/** One writer, then two writers in two processes on one database: messages/s and batch times. */
async function contention(seconds: number): Promise<void> {
  for (const processes of [1, 2]) {
    const dir = mkdtempSync(join(tmpdir(), 'ss-cont-'));
    const file = join(dir, 'super-server.db');
    await openSqliteStorage(file).close();
    const results = await Promise.all(
      Array.from({ length: processes }, (_, i) => run(file, i + 1, seconds)),
    );
    const total = results.reduce((a, r) => a + r.n, 0);
    console.log(
      JSON.stringify({
        processes,
        messages_per_s: Math.round(total / seconds),
        mean_batch_ms: results.map((r) => Number(r.mean_batch_ms.toFixed(3))),
        longest_batch_ms: results.map((r) => Number(r.longest_ms.toFixed(2))),
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

const [what, a, b, c] = process.argv.slice(2);
if (what === 'size') await size(Number(a ?? 1_000_000), b === 'full' ? 'full' : 'normal');
else if (what === 'contention') await contention(Number(a ?? 3));
else if (what === 'writer') await writer(a as string, Number(b), Number(c));
else console.error('usage: store-figures.ts size [messages] [normal|full] | contention [seconds]');
