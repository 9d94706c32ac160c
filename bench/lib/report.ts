// Prints each run's figures and the median (min–max) over runs, and appends
// one JSON object per run to the --json file.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MachineInfo } from './machine.ts';
import { type BenchOptions, threadsFor } from './options.ts';

/** What one run of a scenario measured. */
export interface RunOutcome {
  /** Named figures, units in the name (…_per_s, …_ms, …_s, …_mib, …_bytes); NaN when not measured. */
  figures: Record<string, number>;
  /** Unexpected outcomes by kind (error reply codes, events, failed logins); any fails the run. */
  errors: Record<string, number>;
  /** A few unexpected lines, verbatim. */
  samples: string[];
  /** Remarks for the reader, e.g. a figure that could not be measured. */
  notes: string[];
}

/** One run as stored in the JSON results file. */
export interface RunRecord {
  scenario: string;
  /** The storage variant of a `--compare store` run (stored, in-memory, sync-full). */
  variant?: string;
  options: Record<string, unknown>;
  run: number;
  runs: number;
  at: string;
  machine: MachineInfo;
  ok: boolean;
  figures: Record<string, number | null>;
  errors: Record<string, number>;
  samples: string[];
  notes: string[];
}

/** True when the run lost nothing and saw no unexpected error. */
export function runPassed(outcome: RunOutcome): boolean {
  const lost = outcome.figures.lost ?? 0;
  return (Number.isNaN(lost) || lost === 0) && Object.keys(outcome.errors).length === 0;
}

/** Builds the record of run `run` (1-based). */
export function makeRecord(
  options: BenchOptions,
  clients: number,
  run: number,
  machine: MachineInfo,
  outcome: RunOutcome,
): RunRecord {
  const { scenario, clientsList: _list, ...rest } = options;
  const given = {
    ...rest,
    clients,
    threads: threadsFor(options, clients),
    workers: options.workers ?? null,
    json: options.json ?? null,
    timeout: options.timeout ?? null,
    sweep: scenario === 'sweep',
  };
  const figures: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(outcome.figures)) {
    figures[key] = Number.isFinite(value) ? value : null;
  }
  return {
    scenario: scenario === 'sweep' ? 'dm-throughput' : scenario,
    options: given,
    run,
    runs: options.runs,
    at: new Date().toISOString(),
    machine,
    ok: runPassed(outcome),
    figures,
    errors: outcome.errors,
    samples: outcome.samples,
    notes: outcome.notes,
  };
}

/** Appends `record` as one JSON line to `file`. */
export function appendRecord(file: string, record: RunRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** A figure for people: about three significant digits, '-' when not measured. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 0.1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** Prints one run: its figures, then errors, samples and notes. */
export function printRun(record: RunRecord): void {
  const status = record.ok ? 'ok' : 'FAILED';
  const variant = record.variant === undefined ? '' : ` (${record.variant})`;
  console.log(`\n${record.scenario}${variant} run ${record.run}/${record.runs}: ${status}`);
  const width = Math.max(...Object.keys(record.figures).map((k) => k.length));
  for (const [key, value] of Object.entries(record.figures)) {
    console.log(`  ${key.padEnd(width)}  ${formatNumber(value)}`);
  }
  for (const [kind, n] of Object.entries(record.errors)) console.log(`  ERROR ${kind}: ${n}`);
  for (const line of record.samples) console.log(`  sample: ${line}`);
  for (const note of record.notes) console.log(`  note: ${note}`);
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Prints every figure's median and min–max over `records` (runs of one configuration). */
export function printSummary(title: string, records: RunRecord[]): void {
  if (records.length < 2) return;
  console.log(`\n${title}: median (min–max) of ${records.length} runs`);
  const keys = Object.keys(records[0]?.figures ?? {});
  const width = Math.max(...keys.map((k) => k.length));
  for (const key of keys) {
    const values = records
      .map((r) => r.figures[key])
      .filter((v): v is number => typeof v === 'number');
    const range = `${formatNumber(Math.min(...values))}–${formatNumber(Math.max(...values))}`;
    console.log(`  ${key.padEnd(width)}  ${formatNumber(median(values))} (${range})`);
  }
}
