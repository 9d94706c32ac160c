// Operational figures: event-loop lag, connections, sessions, messages, process
// CPU and memory; a snapshot that sums across worker processes, rendered as
// Prometheus text.

/** Upper bounds (seconds) of the event-loop lag histogram buckets; +Inf is implied. */
export const LAG_BUCKETS_S = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5,
  1, 2.5,
] as const;

/** One process's figures, or the sum over several (every field adds up). */
export interface MetricsSnapshot {
  /** Counts per LAG_BUCKETS_S bound plus a last +Inf slot (not cumulative). */
  lagCounts: number[];
  lagSumS: number;
  connections: number;
  sessions: number;
  messagesDelivered: number;
  hashesRunning: number;
  hashesWaiting: number;
  residentBytes: number;
  cpuSeconds: number;
  processes: number;
}

/** An empty snapshot, the identity of mergeSnapshots. */
export function emptySnapshot(): MetricsSnapshot {
  return {
    lagCounts: new Array(LAG_BUCKETS_S.length + 1).fill(0),
    lagSumS: 0,
    connections: 0,
    sessions: 0,
    messagesDelivered: 0,
    hashesRunning: 0,
    hashesWaiting: 0,
    residentBytes: 0,
    cpuSeconds: 0,
    processes: 0,
  };
}

/** Adds snapshots field by field (for a server made of several worker processes). */
export function mergeSnapshots(parts: readonly MetricsSnapshot[]): MetricsSnapshot {
  const total = emptySnapshot();
  for (const p of parts) {
    p.lagCounts.forEach((n, i) => {
      total.lagCounts[i] = (total.lagCounts[i] ?? 0) + n;
    });
    total.lagSumS += p.lagSumS;
    total.connections += p.connections;
    total.sessions += p.sessions;
    total.messagesDelivered += p.messagesDelivered;
    total.hashesRunning += p.hashesRunning;
    total.hashesWaiting += p.hashesWaiting;
    total.residentBytes += p.residentBytes;
    total.cpuSeconds += p.cpuSeconds;
    total.processes += p.processes;
  }
  return total;
}

/** The fields withProcessFigures fills in. */
export type ProcessFigures = 'residentBytes' | 'cpuSeconds' | 'processes';

/** This process's CPU seconds and resident memory, added to a snapshot. */
export function withProcessFigures(s: Omit<MetricsSnapshot, ProcessFigures>): MetricsSnapshot {
  const cpu = process.cpuUsage();
  return {
    ...s,
    residentBytes: process.memoryUsage.rss(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    processes: 1,
  };
}

/** Renders a snapshot in the Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(s: MetricsSnapshot): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number, type = 'gauge') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  const lag = 'super_server_eventloop_lag_seconds';
  lines.push(
    `# HELP ${lag} How late the event loop ran a 10 ms timer (sampled continuously).`,
    `# TYPE ${lag} histogram`,
  );
  let cumulative = 0;
  LAG_BUCKETS_S.forEach((bound, i) => {
    cumulative += s.lagCounts[i] ?? 0;
    lines.push(`${lag}_bucket{le="${bound}"} ${cumulative}`);
  });
  cumulative += s.lagCounts[LAG_BUCKETS_S.length] ?? 0;
  lines.push(`${lag}_bucket{le="+Inf"} ${cumulative}`, `${lag}_sum ${s.lagSumS}`);
  lines.push(`${lag}_count ${cumulative}`);
  gauge('super_server_connections', 'Open client connections.', s.connections);
  gauge('super_server_sessions', 'Logged-in sessions.', s.sessions);
  gauge(
    'super_server_messages_delivered_total',
    'Direct messages handed to a recipient session.',
    s.messagesDelivered,
    'counter',
  );
  gauge('super_server_password_hashes_running', 'argon2id operations running.', s.hashesRunning);
  gauge('super_server_password_hashes_waiting', 'argon2id operations queued.', s.hashesWaiting);
  gauge('super_server_processes', 'Server processes these figures add up.', s.processes);
  gauge('process_resident_memory_bytes', 'Resident memory, summed.', s.residentBytes);
  gauge('process_cpu_seconds_total', 'User and system CPU time, summed.', s.cpuSeconds, 'counter');
  return `${lines.join('\n')}\n`;
}
