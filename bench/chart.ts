// Draws a sweep's results: `node --import tsx bench/chart.ts [results.json] [out.svg]`
// reads the JSON lines of dm-throughput runs and plots, against the client count,
// the median delivered messages/s (left axis) and the median p99 latency (right axis).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './lib/machine.ts';
import { median, type RunRecord } from './lib/report.ts';
import { type ChartPoint, renderChart } from './lib/svg-chart.ts';

const DEFAULT_INPUT = fileURLToPath(new URL('./results/sweep.json', import.meta.url));
const DEFAULT_OUTPUT = fileURLToPath(new URL('../docs/bench-dm-throughput.svg', import.meta.url));

/**
 * The dm-throughput records of a results file (one JSON object per line); of a
 * --vs-baseline or --vs-bin sweep, super-server's only.
 */
export function readThroughputRecords(file: string): RunRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord)
    .filter((r) => r.scenario === 'dm-throughput')
    .filter((r) => r.variant === undefined || r.variant === 'super-server');
}

/** One point per client count: the medians over its runs. */
export function sweepPoints(records: RunRecord[]): ChartPoint[] {
  const byClients = new Map<number, RunRecord[]>();
  for (const r of records) {
    const clients = r.figures.clients ?? 0;
    byClients.set(clients, [...(byClients.get(clients) ?? []), r]);
  }
  const pick = (runs: RunRecord[], key: string) =>
    median(runs.map((r) => r.figures[key]).filter((v): v is number => typeof v === 'number'));
  return [...byClients.entries()]
    .map(([x, runs]) => ({
      x,
      left: pick(runs, 'delivered_per_s'),
      right: pick(runs, 'latency_p99_ms'),
    }))
    .sort((a, b) => a.x - b.x);
}

function main(): void {
  const [input = DEFAULT_INPUT, output = DEFAULT_OUTPUT] = process.argv.slice(2);
  const records = readThroughputRecords(input);
  const first = records[0];
  if (!first) throw new Error(`${input} holds no dm-throughput runs`);
  const runs = Math.max(...records.map((r) => r.runs));
  const o = first.options;
  const svg = renderChart({
    title: 'super-server dm-throughput: delivered messages/s and p99 latency',
    subtitle: `window ${o.window}, ${o.duration} s measured, median of ${runs} run(s); ${describeMachine(first.machine).replace('machine: ', '')}`,
    xLabel: 'logged-in clients',
    leftLabel: 'delivered messages/s',
    rightLabel: 'p99 latency (ms)',
    points: sweepPoints(records),
  });
  writeFileSync(output, svg);
  console.log(`wrote ${output}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
