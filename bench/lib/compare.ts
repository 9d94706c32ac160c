// Interleaved comparisons: `--compare store` runs a messaging scenario with each
// storage variant in turn (stored, the in-memory reference, stored with sync
// full); `--vs-baseline` and `--vs-bin PATH` run the server under test and a
// reference server in turn; `--vs-transport` runs one server with TCP clients and
// with WebSocket clients in turn; `--vs-storage` runs it on SQLite and on PostgreSQL in
// turn. --runs rounds of every variant, so a drifting machine
// skews them alike; each round's records carry `cpu_ratio` (this variant's CPU per
// delivered message ÷ the reference's in the same round); one table of medians ends it.
import type { MachineInfo } from './machine.ts';
import { type BenchOptions, STORE_VARIANTS } from './options.ts';
import {
  appendRecord,
  formatNumber,
  makeRecord,
  median,
  printRun,
  printSummary,
  type RunOutcome,
  type RunRecord,
} from './report.ts';

/** A scenario as run.ts calls it. */
type ScenarioFn = (options: BenchOptions, clients: number) => Promise<RunOutcome>;

/** One side of a comparison: a name and the options its runs use. */
interface Variant {
  name: string;
  options: BenchOptions;
}

/** What a comparison runs and how its table relates each variant to the reference. */
interface Comparison {
  title: string;
  variants: Variant[];
  reference: string;
  /** 'difference': `+x %` against the reference; 'ratio': `x.xx×` (variant ÷ reference). */
  relation: 'difference' | 'ratio';
}

/** The figure compared: server CPU µs per delivered message (or per group delivery). */
export function cpuFigure(options: BenchOptions): string {
  return options.scenario === 'group-fanout' ? 'server_us_per_delivery' : 'server_us_per_msg';
}

/** The comparison `options` asks for (--compare store, --vs-baseline, --vs-bin, --vs-transport or --vs-storage). */
function comparisonOf(options: BenchOptions): Comparison {
  if (options.versusStorage) {
    const variants = (['sqlite', 'postgres'] as const).map((storage) => ({
      name: storage,
      options: { ...options, storage },
    }));
    return { title: 'postgres vs sqlite', variants, reference: 'sqlite', relation: 'ratio' };
  }
  if (options.versusTransport) {
    const variants = (['tcp', 'ws'] as const).map((transport) => ({
      name: transport,
      options: { ...options, transport },
    }));
    return { title: 'ws vs tcp', variants, reference: 'tcp', relation: 'ratio' };
  }
  if (options.versus === undefined) {
    const variants = STORE_VARIANTS.map((v) => ({
      name: v.name,
      options: { ...options, store: v.store, sync: v.sync },
    }));
    return { title: 'compare store', variants, reference: 'in-memory', relation: 'difference' };
  }
  const reference = options.versus.kind === 'baseline' ? 'baseline' : 'vs-bin';
  const variants = [
    { name: 'super-server', options },
    { name: reference, options: { ...options, target: options.versus } },
  ];
  return { title: `super-server vs ${reference}`, variants, reference, relation: 'ratio' };
}

/** Runs every variant --runs times, alternating; prints and stores each round, then the table. */
export async function runComparison(
  options: BenchOptions,
  scenario: ScenarioFn,
  clients: number,
  machine: MachineInfo,
): Promise<RunRecord[]> {
  const comparison = comparisonOf(options);
  const key = cpuFigure(options);
  const records: RunRecord[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const round: RunRecord[] = [];
    for (const variant of comparison.variants) {
      const outcome = await scenario(variant.options, clients);
      const record = makeRecord(variant.options, clients, run, machine, outcome);
      record.variant = variant.name;
      printRun(record);
      round.push(record);
    }
    const reference = round.find((r) => r.variant === comparison.reference)?.figures[key];
    for (const record of round) {
      const own = record.figures[key];
      const ratio =
        typeof own === 'number' && typeof reference === 'number' ? own / reference : null;
      record.figures.cpu_ratio = ratio !== null && Number.isFinite(ratio) ? ratio : null;
      if (options.json) appendRecord(options.json, record);
    }
    const ratios = round
      .filter((r) => r.variant !== comparison.reference)
      .map((r) => `${r.variant} ${formatNumber(r.figures.cpu_ratio)}×`);
    console.log(
      `\nround ${run}/${options.runs}: ${key} ÷ ${comparison.reference}: ${ratios.join(', ')}`,
    );
    records.push(...round);
  }
  for (const { name } of comparison.variants) {
    const runs = records.filter((r) => r.variant === name);
    printSummary(`${options.scenario} ${name} with ${clients} clients`, runs);
  }
  printComparison(comparison, records, key);
  return records;
}

/** The median of figure `key` over the runs of `variant`. */
function medianOf(records: RunRecord[], variant: string, key: string): number {
  const values = records
    .filter((r) => r.variant === variant)
    .map((r) => r.figures[key])
    .filter((v): v is number => typeof v === 'number');
  return median(values);
}

/**
 * The closing table: medians per variant, and each variant's CPU per message against
 * the reference — a difference in % of the reference's median, or the median of the
 * rounds' ratios (each round's two runs ran back to back, so the drift cancels).
 */
function printComparison(comparison: Comparison, records: RunRecord[], key: string): void {
  const reference = medianOf(records, comparison.reference, key);
  const runs = records.filter((r) => r.variant === comparison.variants[0]?.name).length;
  console.log(`\n${comparison.title}: medians of ${runs} runs each`);
  const unit = key === 'server_us_per_delivery' ? 'µs/delivery' : 'µs/msg';
  const relation =
    comparison.relation === 'ratio' ? `÷ ${comparison.reference}` : `vs ${comparison.reference}`;
  // With PostgreSQL or Redis in a variant: their CPU per message too, and the total.
  const services = records.some((r) => typeof r.figures.services_us_per_msg === 'number');
  const head = ['variant', unit, relation, 'delivered/s', 'p99 ms', 'lag max ms'];
  if (services) head.push('+pg/redis µs', 'total µs/msg');
  const width = Math.max(10, ...comparison.variants.map((v) => v.name.length + 2));
  console.log(`  ${head.map((h, i) => (i === 0 ? h.padEnd(width) : h.padStart(14))).join('')}`);
  for (const { name } of comparison.variants) {
    const us = medianOf(records, name, key);
    const related =
      comparison.relation === 'ratio'
        ? `${formatNumber(medianOf(records, name, 'cpu_ratio'))}×`
        : `${formatNumber(((us - reference) / reference) * 100)} %`;
    const cells = [
      formatNumber(us),
      related,
      formatNumber(medianOf(records, name, 'delivered_per_s')),
      formatNumber(medianOf(records, name, 'latency_p99_ms')),
      formatNumber(medianOf(records, name, 'lag_max_ms')),
    ];
    if (services) {
      const extra = medianOf(records, name, 'services_us_per_msg');
      cells.push(formatNumber(Number.isNaN(extra) ? 0 : extra));
      const total = medianOf(records, name, 'total_us_per_msg');
      cells.push(formatNumber(Number.isNaN(total) ? us : total));
    }
    console.log(`  ${name.padEnd(width)}${cells.map((c) => c.padStart(14)).join('')}`);
  }
}
