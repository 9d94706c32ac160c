// Reads CPU time and resident memory of a process and all its descendants
// from /proc (Linux only), so a server that forks workers is measured whole.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of utime/stime in /proc/<pid>/stat. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      clockTicks = Number.NaN;
    }
    if (!Number.isFinite(clockTicks) || clockTicks <= 0) clockTicks = 100;
  }
  return clockTicks;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Direct children of `pid`, from /proc/<pid>/task/<tid>/children of every thread. */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    for (const word of readOrEmpty(`/proc/${pid}/task/${tid}/children`).split(' ')) {
      if (word.trim() !== '') out.push(Number(word));
    }
  }
  return out;
}

/** `pid` and every live descendant of it. */
export function processTree(pid: number): number[] {
  const seen = new Set<number>();
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...childrenOf(next));
  }
  return [...seen];
}

/** utime + stime of one process in seconds; undefined once it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  if (stat === '') return undefined;
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line; fields[0] here is field 3.
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return Number.isFinite(ticks) ? ticks / clockTicksPerSecond() : 0;
}

/**
 * cutime + stime of one process in seconds: what its children that exited and were reaped
 * used (PostgreSQL's short-lived workers); 0 once it is gone.
 */
function reapedChildrenCpuSecondsOf(pid: number): number {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  if (stat === '') return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17 of the line.
  const ticks = Number(fields[13] ?? 0) + Number(fields[14] ?? 0);
  return Number.isFinite(ticks) ? ticks / clockTicksPerSecond() : 0;
}

/**
 * CPU seconds of a service's process tree (e.g. the postmaster and its backends, or
 * redis-server): utime + stime of every live process, plus what the root's exited children
 * used. NaN when `pid` is undefined or gone.
 */
export function serviceCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const tree = sampleTree(pid);
  if (tree.processes === 0) return Number.NaN;
  return tree.cpuSeconds + reapedChildrenCpuSecondsOf(pid);
}

/** VmRSS of one process in bytes; 0 once it is gone. */
function rssBytesOf(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readOrEmpty(`/proc/${pid}/status`));
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU seconds and RSS of a process tree at one moment. */
export interface TreeSample {
  cpuSeconds: number;
  rssBytes: number;
  /** How many live processes were summed (0: the tree is gone). */
  processes: number;
}

/**
 * Helpers that are not the server: tsx starts an esbuild service process
 * (~12 MiB) whenever it transforms a file, which would make RSS jump mid-run.
 */
const NOT_SERVER = new Set(['esbuild']);

/** Samples `pid` and its descendants (tsx's esbuild helper left out): summed CPU seconds and RSS. */
export function sampleTree(pid: number): TreeSample {
  let cpuSeconds = 0;
  let rssBytes = 0;
  let processes = 0;
  for (const p of processTree(pid)) {
    if (NOT_SERVER.has(readOrEmpty(`/proc/${p}/comm`).trim())) continue;
    const cpu = cpuSecondsOf(p);
    if (cpu === undefined) continue;
    cpuSeconds += cpu;
    rssBytes += rssBytesOf(p);
    processes += 1;
  }
  return { cpuSeconds, rssBytes, processes };
}

/** CPU seconds all CPUs of the machine spent busy since boot (/proc/stat, all but idle and iowait). */
export function machineBusySeconds(): number {
  const line = readOrEmpty('/proc/stat').split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / clockTicksPerSecond();
}

/** The soft and hard open-files limits of this process, from /proc/self/limits. */
export function openFilesLimit(): { soft: number; hard: number } {
  const m = /Max open files\s+(\S+)\s+(\S+)/.exec(readOrEmpty('/proc/self/limits'));
  const read = (v: string | undefined) =>
    v === undefined || v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v);
  return { soft: read(m?.[1]), hard: read(m?.[2]) };
}
