// The start-up contract: one JSON log line with "msg":"listening" and the bound
// ports, written whatever the log level; supervisors, tests and the bench read it.
import { pino } from 'pino';
import type { Config } from './config.ts';

/** The ports a listening line announces. */
export interface ListeningPorts {
  port: number;
  /** Present when the server serves /metrics on its own port. */
  metricsPort?: number;
  /** The HTTP listener's port (/ws, /healthz, /metrics, the web client), when it is enabled. */
  httpPort?: number;
}

/** Writes the listening line with the address, TLS, data directory and `fields` (the ports). */
export function logListening(config: Config, fields: Record<string, unknown>): void {
  pino({ base: { service: 'super-server' } }).info(
    {
      host: config.server.host,
      tls: config.tls.cert_file !== '',
      data_dir: config.server.data_dir,
      ...fields,
    },
    'listening',
  );
}

/** The ports of the TCP listening line, or undefined for any other line. */
export function parseListeningLine(line: string): ListeningPorts | undefined {
  if (!line.includes('listening')) return undefined;
  try {
    const obj = JSON.parse(line) as Record<string, unknown>;
    if (obj.msg !== 'listening' || typeof obj.port !== 'number') return undefined;
    // A line that names another transport is not the TCP one.
    if (typeof obj.transport === 'string' && !/tcp/i.test(obj.transport)) return undefined;
    const ports: ListeningPorts = { port: obj.port };
    if (typeof obj.metrics_port === 'number') ports.metricsPort = obj.metrics_port;
    if (typeof obj.http_port === 'number') ports.httpPort = obj.http_port;
    return ports;
  } catch {
    return undefined;
  }
}
