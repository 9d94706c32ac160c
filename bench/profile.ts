// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most
// self time, then with the most inclusive time, as shares of all samples.
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- dm-throughput
//   node --import tsx bench/profile.ts /tmp/prof/<largest>.cpuprofile [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A readable name for a profile node: function, file relative to the project, line. */
function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^.*\/node_modules\//, 'nm/')
    .replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/** Self and inclusive time (µs) per label, and the total. */
function summarise(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const timeById = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    timeById.set(id, (timeById.get(id) ?? 0) + dt);
    total += dt;
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of timeById) {
    const node = byId.get(id);
    if (!node) continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = label(byId.get(cur) as ProfileNode);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    }
  }
  return { self, inclusive, total };
}

function print(title: string, times: Map<string, number>, total: number, top: number): void {
  console.log(`--- ${title}`);
  const rows = [...times].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, t] of rows)
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`);
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/profile.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const { self, inclusive, total } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
const top = Number(topArg ?? 30);
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled`);
print('self time', self, total, top);
print('inclusive time', inclusive, total, top);
