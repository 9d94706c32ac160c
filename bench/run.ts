// The benchmark command: `npm run bench -- <scenario> [options]` (see bench/README.md).
// Runs the scenario --runs times against a fresh server each time, prints every
// run and the medians, appends JSON, and exits 1 when a run lost or failed anything.
import { spawnSync } from 'node:child_process';
import { ServerBuildError, serverProgram } from './lib/build.ts';
import { runComparison } from './lib/compare.ts';
import { describeMachine, machineInfo } from './lib/machine.ts';
import { type BenchOptions, parseOptions, type ScenarioName, UsageError } from './lib/options.ts';
import { openFilesLimit } from './lib/proc.ts';
import {
  appendRecord,
  formatNumber,
  makeRecord,
  median,
  printRun,
  printSummary,
  type RunRecord,
} from './lib/report.ts';
import { killAllServers } from './lib/server.ts';
import { USAGE } from './lib/usage.ts';
import type { Scenario } from './scenarios/common.ts';
import { dmLatency } from './scenarios/dm-latency.ts';
import { dmThroughput } from './scenarios/dm-throughput.ts';
import { failover } from './scenarios/failover.ts';
import { fanout } from './scenarios/fanout.ts';
import { groupFanout } from './scenarios/group-fanout.ts';
import { idleSessions } from './scenarios/idle-sessions.ts';
import { loginStorm } from './scenarios/login-storm.ts';
import { replay } from './scenarios/replay.ts';

/** Set in the environment of the re-executed bench, so it raises its limit only once. */
const RAISED_ENV = 'SUPER_BENCH_NOFILE_RAISED';

const SCENARIO_RUNNERS: Record<Exclude<ScenarioName, 'sweep'>, Scenario> = {
  'dm-throughput': dmThroughput,
  'dm-latency': dmLatency,
  'idle-sessions': idleSessions,
  'login-storm': loginStorm,
  fanout,
  replay,
  'group-fanout': groupFanout,
  failover,
};

/** Open files to ask for: two sockets per client (both ends are on this machine), plus headroom. */
function filesWanted(clients: number): number {
  return clients * 2 + 256;
}

/**
 * Re-executes the bench under `ulimit -n <hard limit>` when the soft limit is
 * below filesWanted (the server child inherits it). Returns the child's exit
 * status, or undefined when this process can go on itself.
 */
function reexecWithRaisedLimit(clients: number): number | undefined {
  const { soft, hard } = openFilesLimit();
  // The server and the generator are separate processes: each holds one end of every connection.
  const perProcess = clients + 256;
  if (hard < perProcess) {
    console.warn(
      `warning: the open-files hard limit (${hard}) is below the ${perProcess} the server and the generator each need for ${clients} clients; expect failed connections`,
    );
  }
  if (soft >= filesWanted(clients) || soft >= hard || process.env[RAISED_ENV] === '1') {
    return undefined;
  }
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const result = spawnSync('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$@"', 'sh', ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [RAISED_ENV]: '1' },
  });
  return result.status ?? 2;
}

/** A generous bound on one run of `clients` clients, in seconds. */
function runBudgetSeconds(options: BenchOptions, clients: number): number {
  const logins = clients / 20;
  const stored = options.scenario === 'replay' ? (clients * options.messages) / 20_000 : 0;
  const pairs = options.versus !== undefined || options.versusTransport || options.versusStorage;
  const variants = options.compare !== undefined ? 3 : pairs ? 2 : 1;
  // failover: the lease must run out and the SDK's backoff (up to 30 s a wait) must come round.
  const lease = options.scenario === 'failover' ? (options.heartbeatTimeoutS ?? 15) + 90 : 0;
  const work = options.warmup + options.duration + lease;
  return variants * (90 + clients / 1_000 + logins + stored + work);
}

/** Kills the servers and exits 2 when the whole bench overruns its time bound. */
function armHardTimeout(options: BenchOptions): void {
  const perRun = options.clientsList.map((c) => runBudgetSeconds(options, c));
  const seconds = options.timeout ?? options.runs * perRun.reduce((a, b) => a + b, 0);
  const timer = setTimeout(() => {
    console.error(`\nbench: hard timeout after ${Math.round(seconds)} s; killing the server`);
    killAllServers();
    process.exit(2);
  }, seconds * 1000);
  timer.unref();
}

/** Runs one configuration --runs times; prints and stores each run. */
async function runConfiguration(
  options: BenchOptions,
  scenario: Scenario,
  clients: number,
  machine: ReturnType<typeof machineInfo>,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const outcome = await scenario(options, clients);
    const record = makeRecord(options, clients, run, machine, outcome);
    printRun(record);
    if (options.json) appendRecord(options.json, record);
    records.push(record);
  }
  printSummary(`${records[0]?.scenario ?? ''} with ${clients} clients`, records);
  return records;
}

/** The sweep's closing table: client count against median delivered/s and p99 latency, per variant. */
function printSweepTable(records: RunRecord[]): void {
  for (const variant of new Set(records.map((r) => r.variant))) {
    const title = variant === undefined ? 'sweep' : `sweep (${variant})`;
    console.log(`\n${title}: clients  delivered/s (median)  p99 ms (median)`);
    const ofVariant = records.filter((r) => r.variant === variant);
    const counts = [...new Set(ofVariant.map((r) => r.figures.clients ?? 0))];
    for (const clients of counts) {
      const runs = ofVariant.filter((r) => r.figures.clients === clients);
      const pick = (key: string) => median(runs.map((r) => r.figures[key] ?? Number.NaN));
      const line = `${formatNumber(pick('delivered_per_s')).padStart(20)}  ${formatNumber(pick('latency_p99_ms')).padStart(15)}`;
      console.log(`  ${String(clients).padStart(13)}  ${line}`);
    }
  }
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench: ${err.message}\n${USAGE}`);
    return 2;
  }
  const reexecStatus = reexecWithRaisedLimit(options.clients);
  if (reexecStatus !== undefined) return reexecStatus;
  try {
    // Build (when stale) before the first run, so a broken build stops the bench at once.
    for (const target of [options.target, options.versus]) {
      if (target?.kind === 'super-server') console.log(`server: ${serverProgram(target.bin)}`);
      if (target?.kind === 'baseline') console.log('server: bench/baseline/ (the yardstick)');
    }
  } catch (err) {
    if (!(err instanceof ServerBuildError)) throw err;
    console.error(`bench: ${err.message}`);
    return 2;
  }
  armHardTimeout(options);
  const machine = machineInfo();
  console.log(describeMachine(machine));
  console.log(`open files: ${openFilesLimit().soft}`);
  const scenario =
    SCENARIO_RUNNERS[options.scenario === 'sweep' ? 'dm-throughput' : options.scenario];
  const records: RunRecord[] = [];
  for (const clients of options.clientsList) {
    const compared =
      options.compare !== undefined ||
      options.versus !== undefined ||
      options.versusTransport ||
      options.versusStorage;
    const run = compared ? runComparison : runConfiguration;
    records.push(...(await run(options, scenario, clients, machine)));
  }
  if (options.scenario === 'sweep') printSweepTable(records);
  const failed = records.filter((r) => !r.ok).length;
  if (failed > 0) console.log(`\n${failed} of ${records.length} runs FAILED (loss or errors)`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    killAllServers();
    process.exit(code);
  },
  (err: unknown) => {
    console.error('bench:', err instanceof Error ? (err.stack ?? err.message) : err);
    killAllServers();
    process.exit(2);
  },
);
