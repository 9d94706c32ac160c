// Adds up the generator threads' tallies, waits for in-flight messages to
// land, and measures the server and the generator over a window.
import { sleep } from './bench-client.ts';
import { LatencyHistogram } from './histogram.ts';
import type { LoadTally } from './load-state.ts';
import type { LoadPool } from './pool.ts';
import { machineBusySeconds, sampleTree, serviceCpuSeconds } from './proc.ts';

/** The threads' tallies added together. */
export interface MergedTally
  extends Omit<LoadTally, 'latency' | 'latencySecondHalf' | 'shutdownAtUs'> {
  latency: LatencyHistogram;
  latencySecondHalf: LatencyHistogram;
  shutdownAtUs: number[];
}

/** Adds the tallies of all threads. */
export function mergeTallies(tallies: LoadTally[]): MergedTally {
  const latency = new LatencyHistogram();
  const latencySecondHalf = new LatencyHistogram();
  const merged: MergedTally = {
    sent: 0,
    acked: 0,
    received: 0,
    receivedInWindow: 0,
    pongs: 0,
    skipped: 0,
    maxSendLateUs: 0,
    shutdowns: 0,
    replayed: 0,
    acksSent: 0,
    ackReplies: 0,
    caughtUp: 0,
    lastCaughtUpUs: 0,
    errors: {},
    samples: [],
    latency,
    latencySecondHalf,
    shutdownAtUs: [],
  };
  for (const t of tallies) {
    merged.sent += t.sent;
    merged.acked += t.acked;
    merged.received += t.received;
    merged.receivedInWindow += t.receivedInWindow;
    merged.pongs += t.pongs;
    merged.skipped += t.skipped;
    merged.shutdowns += t.shutdowns;
    merged.replayed += t.replayed;
    merged.acksSent += t.acksSent;
    merged.ackReplies += t.ackReplies;
    merged.caughtUp += t.caughtUp;
    merged.lastCaughtUpUs = Math.max(merged.lastCaughtUpUs, t.lastCaughtUpUs);
    merged.maxSendLateUs = Math.max(merged.maxSendLateUs, t.maxSendLateUs);
    for (const [k, n] of Object.entries(t.errors)) merged.errors[k] = (merged.errors[k] ?? 0) + n;
    merged.samples.push(...t.samples);
    latency.add(t.latency);
    latencySecondHalf.add(t.latencySecondHalf);
    merged.shutdownAtUs.push(...t.shutdownAtUs);
  }
  return merged;
}

/** The merged tally of every thread now. */
export async function collect(pool: LoadPool): Promise<MergedTally> {
  return mergeTallies(await pool.all<LoadTally>({ cmd: 'tally' }));
}

/**
 * Waits until every acknowledged message has arrived, or the received count
 * stopped changing for half a second, or `maxMs` passed; returns the final tally.
 */
export async function settle(pool: LoadPool, maxMs = 5_000): Promise<MergedTally> {
  const deadline = performance.now() + maxMs;
  let tally = await collect(pool);
  let stableSince = performance.now();
  while (tally.received < tally.acked && performance.now() < deadline) {
    await sleep(100);
    const next = await collect(pool);
    if (next.received !== tally.received) stableSince = performance.now();
    tally = next;
    if (performance.now() - stableSince >= 500) break;
  }
  return tally;
}

/** Server and generator resource use over a measured window. */
export interface WindowUse {
  server_cpu_s: number;
  server_rss_mib: number;
  server_processes: number;
  generator_cpu_s: number;
  generator_rss_mib: number;
  /** CPU seconds used by everything else on the machine: a busy neighbour skews the figures. */
  other_cpu_s: number;
  /** CPU seconds of PostgreSQL (the postmaster and its children), when the run stores there. */
  postgres_cpu_s?: number;
  /** CPU seconds of redis-server, when the run's broker is Redis. */
  redis_cpu_s?: number;
}

/** The services a meter measures beside the server: their root pids, read at start and stop. */
export type ServicePids = () => { postgres: number | undefined; redis: number | undefined };

/** Sums the server trees of `pids` (several nodes: all of them). */
function sampleServers(pids: number[]) {
  const samples = pids.map(sampleTree);
  return {
    cpuSeconds: samples.reduce((a, s) => a + s.cpuSeconds, 0),
    rssBytes: samples.reduce((a, s) => a + s.rssBytes, 0),
    processes: samples.reduce((a, s) => a + s.processes, 0),
    allAlive: samples.every((s) => s.processes > 0),
  };
}

/**
 * Starts measuring the server process tree `pid` (or every node's), this process and the
 * services (PostgreSQL, Redis) when given; stop() returns the use over the window.
 */
export function startMeter(pid: number | number[], services?: ServicePids): { stop(): WindowUse } {
  const pids = Array.isArray(pid) ? pid : [pid];
  const server = sampleServers(pids);
  const servicesAt = () => {
    const p = services?.();
    return { postgres: serviceCpuSeconds(p?.postgres), redis: serviceCpuSeconds(p?.redis) };
  };
  const servicesStart = servicesAt();
  const generator = process.cpuUsage();
  const machine = machineBusySeconds();
  return {
    stop() {
      const end = sampleServers(pids);
      const cpu = process.cpuUsage(generator);
      const alive = end.allAlive && server.allAlive;
      const serverCpu = alive ? end.cpuSeconds - server.cpuSeconds : Number.NaN;
      const generatorCpu = (cpu.user + cpu.system) / 1e6;
      const servicesEnd = servicesAt();
      const use: WindowUse = {
        server_cpu_s: serverCpu,
        server_rss_mib: alive ? end.rssBytes / 2 ** 20 : Number.NaN,
        server_processes: end.processes,
        generator_cpu_s: generatorCpu,
        generator_rss_mib: process.memoryUsage.rss() / 2 ** 20,
        other_cpu_s: 0,
      };
      let servicesCpu = 0;
      for (const key of ['postgres', 'redis'] as const) {
        const used = servicesEnd[key] - servicesStart[key];
        if (Number.isNaN(servicesStart[key])) continue;
        use[`${key}_cpu_s`] = used;
        if (Number.isFinite(used)) servicesCpu += used;
      }
      const busy = machineBusySeconds() - machine;
      use.other_cpu_s = Math.max(0, busy - serverCpu - generatorCpu - servicesCpu);
      return use;
    },
  };
}
