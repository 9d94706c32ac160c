// `--compare store`: runs a messaging scenario with each storage variant in turn
// (stored, the in-memory reference, stored with sync full), --runs rounds of all
// three interleaved so a drifting machine skews them alike, then compares them.
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

/** Runs every variant --runs times, alternating; prints and stores each run, then the table. */
export async function runComparison(
  options: BenchOptions,
  scenario: ScenarioFn,
  clients: number,
  machine: MachineInfo,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const variant of STORE_VARIANTS) {
      const variantOptions = { ...options, store: variant.store, sync: variant.sync };
      const outcome = await scenario(variantOptions, clients);
      const record = makeRecord(variantOptions, clients, run, machine, outcome);
      record.variant = variant.name;
      printRun(record);
      if (options.json) appendRecord(options.json, record);
      records.push(record);
    }
  }
  for (const variant of STORE_VARIANTS) {
    const runs = records.filter((r) => r.variant === variant.name);
    printSummary(`${options.scenario} ${variant.name} with ${clients} clients`, runs);
  }
  printComparison(records);
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

/** The closing table: medians per variant, and each variant's CPU per message against in-memory. */
export function printComparison(records: RunRecord[]): void {
  const reference = medianOf(records, 'in-memory', 'server_us_per_msg');
  const runs = records.filter((r) => r.variant === STORE_VARIANTS[0]?.name).length;
  console.log(`\ncompare store: medians of ${runs} runs each`);
  const head = ['variant', 'µs/msg', 'vs in-memory', 'delivered/s', 'p99 ms', 'lag max ms'];
  console.log(`  ${head.map((h, i) => (i === 0 ? h.padEnd(10) : h.padStart(13))).join('')}`);
  for (const { name } of STORE_VARIANTS) {
    const us = medianOf(records, name, 'server_us_per_msg');
    const cells = [
      formatNumber(us),
      `${formatNumber(((us - reference) / reference) * 100)} %`,
      formatNumber(medianOf(records, name, 'delivered_per_s')),
      formatNumber(medianOf(records, name, 'latency_p99_ms')),
      formatNumber(medianOf(records, name, 'lag_max_ms')),
    ];
    console.log(`  ${name.padEnd(10)}${cells.map((c) => c.padStart(13)).join('')}`);
  }
}
