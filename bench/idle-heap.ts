// What an idle session holds: starts the real server (as idle-sessions does) with
// --heapsnapshot-signal, writes a heap snapshot before the logins and one with N
// idle sessions, and prints the difference per session by object kind, beside
// the RSS difference. Run: npx tsx bench/idle-heap.ts [clients] [out-dir]
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sleep } from './lib/bench-client.ts';
import { parseOptions } from './lib/options.ts';
import { sampleTree } from './lib/proc.ts';
import { loggedInPool, withServer } from './scenarios/common.ts';

const CLIENTS = Number(process.argv[2] ?? 2_000);
const OUT = resolve(process.argv[3] ?? '/tmp/idle-heap');
const SETTLE_MS = 2_000;
const SNAPSHOT_TIMEOUT_MS = 120_000;

/** A snapshot file's node counts and self sizes, by `type:name`. */
type Tally = Map<string, { count: number; bytes: number }>;

/** Reads a .heapsnapshot and sums its nodes' self sizes by type and constructor name. */
function tally(file: string): Tally {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields: string[] = snap.snapshot.meta.node_fields;
  const types: string[] = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out: Tally = new Map();
  const nodes: number[] = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + (iType as number)] as number] as string;
    let name = snap.strings[nodes[i + (iName as number)] as number] as string;
    // Strings and code are grouped by kind, not by their text.
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '';
    if (type === 'code' || type === 'number' || type === 'hidden') name = name.slice(0, 40);
    const key = `${type}:${name.slice(0, 60)}`;
    const t = out.get(key) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += nodes[i + (iSize as number)] as number;
    out.set(key, t);
  }
  return out;
}

/** Asks the server for a snapshot and waits until the new file is complete. */
async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(500);
    const fresh = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!fresh) continue;
    const size = statSync(join(dir, fresh)).size;
    if (size > 0 && size === lastSize) return join(dir, fresh);
    lastSize = size;
  }
  throw new Error('no heap snapshot within the time bound');
}

mkdirSync(OUT, { recursive: true });
process.env.BENCH_SERVER_NODE_ARGS = `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${OUT}`;
const options = parseOptions(['idle-sessions', '--clients', String(CLIENTS)]);
await withServer(options, CLIENTS, false, async (env) => {
  await sleep(1_000);
  const rssBefore = sampleTree(env.server.pid).rssBytes;
  const empty = await snapshot(env.server.pid, OUT);
  const { pool } = await loggedInPool(env);
  try {
    await sleep(SETTLE_MS);
    const rssAfter = sampleTree(env.server.pid).rssBytes;
    const full = await snapshot(env.server.pid, OUT);
    const a = tally(empty);
    const b = tally(full);
    const rows: Array<[string, number, number]> = [];
    let heap = 0;
    for (const [key, t] of b) {
      const was = a.get(key) ?? { count: 0, bytes: 0 };
      const bytes = (t.bytes - was.bytes) / CLIENTS;
      heap += bytes;
      rows.push([key, (t.count - was.count) / CLIENTS, bytes]);
    }
    for (const [key, was] of a) if (!b.has(key)) heap -= was.bytes / CLIENTS;
    rows.sort((x, y) => y[2] - x[2]);
    console.log(`clients ${CLIENTS}; snapshots ${empty} ${full}`);
    console.log(`rss bytes/session ${((rssAfter - rssBefore) / CLIENTS).toFixed(0)}`);
    console.log(`heap bytes/session ${heap.toFixed(0)}`);
    for (const [key, count, bytes] of rows.slice(0, 40)) {
      console.log(`${bytes.toFixed(1).padStart(8)} B  ${count.toFixed(2).padStart(6)}×  ${key}`);
    }
  } finally {
    await pool.stop();
  }
  return { figures: {}, errors: {}, samples: [], notes: [] };
});
process.exit(0);
