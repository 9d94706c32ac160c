// The operator's HTTP endpoint: GET /metrics (the page RenderMetrics gives) and GET /healthz.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RenderMetrics } from './render.ts';

/** A listen error of the metrics listener carries `listener: 'metrics'`, to name the right port. */
export type MetricsListenError = NodeJS.ErrnoException & { listener: 'metrics' };

/** Starts the metrics listener; resolves with the server and its real port once bound. */
export function serveMetrics(
  host: string,
  port: number,
  render: RenderMetrics,
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    render().then(
      (page) => {
        res.writeHead(200, { 'content-type': page.contentType });
        res.end(page.body);
      },
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 5_000;
  server.requestTimeout = 5_000;
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => reject(Object.assign(err, { listener: 'metrics' as const }));
    server.once('error', failed);
    server.listen({ host, port }, () => {
      server.off('error', failed);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
