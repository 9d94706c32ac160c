// What one group commit costs on PostgreSQL, through the real PgConversations of one or
// two checkouts (docs/benchmarks.md, "Stop 14"):
//   node --import tsx bench/pg-append.ts [--vs /path/to/other/checkout] [--batches N]
//     [--rounds R] [--sizes 3,32]
// Starts the bench's PostgreSQL (test/services, stock durability: fsync on), gives each
// checkout its own database migrated by its own code, and appends N batches (default
// 2,000) of each size (default 3 and 32) of direct messages over 200 conversations
// (bench/lib/append-messages.ts), without and with client_ids, one batch at a time on a one-connection pool: the cost of each commit of
// a lightly loaded node. Cases and checkouts are interleaved R times (default 3); each
// figure is the median over rounds of: wall µs per batch, the PostgreSQL backend's CPU
// µs per batch (utime + stime from /proc) and this process's CPU µs per batch.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConversationStore } from '../src/storage/conversations.ts';
import { startPostgres } from '../test/services/postgres.ts';
import { benchMessage } from './lib/append-messages.ts';
import { cpuSecondsOf } from './lib/proc.ts';

interface Checkout {
  name: string;
  store: ConversationStore;
  /** The pid of the pool's one backend (asked again: the pool closes an idle connection). */
  backendPid(): Promise<number>;
  close(): Promise<void>;
}

/** Opens a checkout's PgConversations on a fresh database that its own migrations made. */
async function open(dir: string, url: string): Promise<Checkout> {
  const { PgDb } = await import(`${dir}/src/storage/postgres/db.ts`);
  const { migrate } = await import(`${dir}/src/storage/postgres/migrations.ts`);
  const { PgConversations } = await import(`${dir}/src/storage/postgres/conversations.ts`);
  const db = new PgDb({ url, poolMax: 1 });
  await migrate(db.pool);
  return {
    name: dir,
    store: new PgConversations(db),
    backendPid: async () => Number((await db.q('SELECT pg_backend_pid() AS pid')).rows[0].pid),
    close: () => db.close(),
  };
}

/** A process's CPU time so far, in µs (utime + stime). */
function cpuUs(pid: number): number {
  const seconds = cpuSecondsOf(pid);
  if (seconds === undefined) throw new Error(`process ${pid} is gone`);
  return seconds * 1e6;
}

async function measure(c: Checkout, batches: number, size: number, ids: boolean, run: string) {
  const pid = await c.backendPid();
  const pg0 = cpuUs(pid);
  const me0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const batch = Array.from({ length: size }, (_, i) => {
      const n = b * size + i;
      return benchMessage(n, ids ? `${run}-${size}-${n}` : null);
    });
    await c.store.append(batch, 0);
  }
  const wall = ((performance.now() - t0) * 1000) / batches;
  const me = process.cpuUsage(me0);
  return {
    wall,
    pg: (cpuUs(pid) - pg0) / batches,
    node: (me.user + me.system) / batches,
  };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vs: { type: 'string' },
      batches: { type: 'string' },
      rounds: { type: 'string' },
      sizes: { type: 'string' },
    },
  });
  const batches = Number(values.batches ?? 2_000);
  const rounds = Number(values.rounds ?? 3);
  const service = await startPostgres({ durable: true });
  const dirs = [resolve(import.meta.dirname, '..'), ...(values.vs ? [resolve(values.vs)] : [])];
  const checkouts: Checkout[] = [];
  try {
    for (const dir of dirs) checkouts.push(await open(dir, await service.createDatabase()));
    const cases = (values.sizes ?? '3,32')
      .split(',')
      .map(Number)
      .flatMap((size) => [false, true].map((ids) => ({ size, ids })));
    const seen = new Map<string, Array<{ wall: number; pg: number; node: number }>>();
    for (let r = 0; r < rounds; r++) {
      for (const { size, ids } of cases) {
        for (const c of checkouts) {
          const key = JSON.stringify({ checkout: c.name, size, client_ids: ids });
          const got = await measure(c, batches, size, ids, `r${r}`);
          seen.set(key, [...(seen.get(key) ?? []), got]);
        }
      }
    }
    for (const [key, runs] of seen) {
      const { checkout, size, client_ids } = JSON.parse(key);
      console.log(
        JSON.stringify({
          checkout,
          batch: size,
          client_ids,
          wall_us_per_batch: Math.round(median(runs.map((x) => x.wall))),
          postgres_cpu_us_per_batch: Math.round(median(runs.map((x) => x.pg))),
          node_cpu_us_per_batch: Math.round(median(runs.map((x) => x.node))),
          rounds: runs.length,
        }),
      );
    }
  } finally {
    for (const c of checkouts) await c.close();
    service.stop();
  }
}

await main();
