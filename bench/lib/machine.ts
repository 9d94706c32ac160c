// What the benchmark ran on, printed with every report and stored with every JSON result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine a benchmark ran on. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  totalMemoryBytes: number;
  node: string;
  kernel: string;
}

/** `nproc`: the CPUs this process may run on. */
function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return os.availableParallelism();
  }
}

/** The first "model name" of /proc/cpuinfo (or what os.cpus() says). */
function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {}
  return os.cpus()[0]?.model ?? 'unknown';
}

/** Reads the machine's description. */
export function machineInfo(): MachineInfo {
  return {
    nproc: nproc(),
    cpuModel: cpuModel(),
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
  };
}

/** One line for the report header. */
export function describeMachine(m: MachineInfo): string {
  const gib = (m.totalMemoryBytes / 2 ** 30).toFixed(1);
  return `machine: ${m.nproc} CPUs (${m.cpuModel}), ${gib} GiB RAM, Node ${m.node}, ${m.kernel}`;
}
