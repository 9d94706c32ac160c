// The bench's baseline server: A YARDSTICK, NOT A PRODUCT. A minimal Node server
// that speaks only the protocol subset the dm-throughput, dm-latency and
// group-fanout scenarios use, with every hot-path check on and no storage, so the
// bench can say how far super-server is from what Node itself needs (issue 13).
// See bench/baseline/README.md.
//
//   node --import tsx bench/baseline/server.ts --accounts FILE [--config FILE]
//        [--host 127.0.0.1] [--port 0] [--metrics-port 0]
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { baselineActions } from './actions.ts';
import { Connection, type Limits, type RateClass } from './connection.ts';
import { makeDispatcher } from './dispatch.ts';
import { errorFrame, eventFrame } from './frames.ts';
import { Hub } from './hub.ts';
import { serveMetrics, startLagSampler } from './metrics.ts';

const HEARTBEAT_INTERVAL_S = 5;
const HEARTBEAT_TIMEOUT_S = 15;
/** How often idle sessions and expired hello tokens are looked for. */
const SWEEP_MS = 1_000;

/** The parts of the server's config file the baseline obeys (the bench writes it). */
interface ConfigFile {
  rate_limits?: Partial<Record<RateClass, { points: number; duration_s: number }>>;
  limits?: { max_connections?: number };
  session?: { hello_ttl_s?: number };
}

/** The server's default rate limits (src/server/config.ts), where the config names none. */
const DEFAULT_RATES: Record<RateClass, { points: number; duration_s: number }> = {
  chat: { points: 5, duration_s: 3 },
  default: { points: 10, duration_s: 1 },
  auth: { points: 10, duration_s: 60 },
};

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string' },
    config: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'metrics-port': { type: 'string' },
  },
});
if (!args.accounts) throw new Error('--accounts FILE is required');
const config = (args.config ? JSON.parse(readFileSync(args.config, 'utf8')) : {}) as ConfigFile;

const rate = (cls: RateClass) => {
  const given = config.rate_limits?.[cls] ?? DEFAULT_RATES[cls];
  return { points: given.points, windowMs: given.duration_s * 1000 };
};
const limits: Limits = {
  maxFrameBytes: 65_536,
  maxFrameBytesBeforeLogin: 4_096,
  sendQueueBytes: 1_048_576,
  protocolErrorBudget: 10,
  helloTtlMs: (config.session?.hello_ttl_s ?? 120) * 1000,
  heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_S * 1000,
  rates: { chat: rate('chat'), default: rate('default'), auth: rate('auth') },
};
const maxConnections = config.limits?.max_connections ?? 10_000;

const hub = new Hub(args.accounts);
const onLine = makeDispatcher(baselineActions(hub));
const epoch = randomBytes(16).toString('hex');
const connections = new Set<Connection>();

function helloFrame(token: string): string {
  const data = `{"server":"super-server-baseline","version":"0.0.0","protocol":1,"token":"${token}","token_expires_in_s":${limits.helloTtlMs / 1000},"heartbeat_interval_s":${HEARTBEAT_INTERVAL_S},"heartbeat_timeout_s":${HEARTBEAT_TIMEOUT_S},"max_frame_bytes":${limits.maxFrameBytes},"max_frame_bytes_before_login":${limits.maxFrameBytesBeforeLogin},"features":["history","groups"],"epoch":"${epoch}"}`;
  return eventFrame('hello', 'join_protocol', data);
}

const onClose = (conn: Connection) => {
  connections.delete(conn);
  if (conn.phase === 'session' && conn.account) hub.endSession(conn.account, conn);
};

const server = net.createServer((socket) => {
  if (connections.size >= maxConnections) {
    socket.end(errorFrame(null, 'server_busy', 'too many connections'));
    return;
  }
  const conn = new Connection(socket, limits, onLine, onClose, Date.now());
  connections.add(conn);
  conn.push(helloFrame(conn.token));
});

// Dead sockets and unfinished logins: the real server's sweep, once a second.
setInterval(() => {
  const now = Date.now();
  for (const conn of connections) {
    if (conn.phase === 'session') {
      if (now - conn.lastSeenMs > limits.heartbeatTimeoutMs) conn.disconnect('heartbeat_timeout');
    } else if (now > conn.helloExpiresMs) {
      conn.disconnect('login_timeout');
    }
  }
}, SWEEP_MS).unref();

startLagSampler();
const metricsPort =
  args['metrics-port'] === undefined
    ? undefined
    : await serveMetrics(args.host, Number(args['metrics-port']));
server.listen({ host: args.host, port: Number(args.port) }, () => {
  const { port } = server.address() as net.AddressInfo;
  const fields = { level: 30, time: Date.now(), service: 'super-server-baseline' };
  const line = { ...fields, host: args.host, port, metrics_port: metricsPort, msg: 'listening' };
  process.stdout.write(`${JSON.stringify(line)}\n`);
});

const stop = () => {
  server.close();
  for (const conn of connections) conn.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
