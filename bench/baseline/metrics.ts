// The one metric the bench reads: event-loop lag, sampled as the real server does
// (how late a 10 ms timer fires) and served at GET /metrics under the same name
// and buckets, so `lag_p99_ms` and `lag_max_ms` mean the same for both servers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The real server's bucket bounds (seconds), src/server/metrics/metrics.ts. */
const LAG_BUCKETS_S = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5,
  1, 2.5,
];
const METRIC = 'super_server_eventloop_lag_seconds';
const INTERVAL_MS = 10;

const counts: number[] = new Array(LAG_BUCKETS_S.length + 1).fill(0);
let sumS = 0;

/** Starts sampling the event-loop lag; the timer does not keep the process alive. */
export function startLagSampler(): void {
  let expected = performance.now() + INTERVAL_MS;
  const tick = () => {
    const now = performance.now();
    const lagS = Math.max(0, now - expected) / 1000;
    let i = 0;
    while (i < LAG_BUCKETS_S.length && lagS > (LAG_BUCKETS_S[i] as number)) i++;
    counts[i] = (counts[i] ?? 0) + 1;
    sumS += lagS;
    expected = now + INTERVAL_MS;
    setTimeout(tick, INTERVAL_MS).unref();
  };
  setTimeout(tick, INTERVAL_MS).unref();
}

/** The lag histogram in the Prometheus text format. */
function render(): string {
  const lines = [`# TYPE ${METRIC} histogram`];
  let cumulative = 0;
  LAG_BUCKETS_S.forEach((le, i) => {
    cumulative += counts[i] ?? 0;
    lines.push(`${METRIC}_bucket{le="${le}"} ${cumulative}`);
  });
  cumulative += counts[LAG_BUCKETS_S.length] ?? 0;
  lines.push(`${METRIC}_bucket{le="+Inf"} ${cumulative}`, `${METRIC}_sum ${sumS}`);
  lines.push(`${METRIC}_count ${cumulative}`);
  return `${lines.join('\n')}\n`;
}

/** Serves GET /metrics on `host`:`port`; resolves with the bound port. */
export function serveMetrics(host: string, port: number): Promise<number> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(render());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  server.requestTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve((server.address() as AddressInfo).port));
  });
}
