// The one HTTP listener (HTTPS when the server has a certificate): /ws upgrades,
// /healthz, /metrics, the web ID login's /oidc/ routes and the web client's files. Nothing
// here logs a request or its URL (the ID login's callback query holds the IdP's code). Requests whose headers are
// still arriving (WebSocket upgrades among them) are capped and timed out.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.ts';
import type { WsEndpoint } from '../transport/ws.ts';
import { ClientAddresses, originAllowed, ownOrigins, pageOrigin } from './peers.ts';
import { plain, StaticFiles } from './static-files.ts';

/** The /metrics body and its content type; the metrics module decides both. */
export interface RenderedMetrics {
  contentType: string;
  body: string;
}

/** What the listener serves besides files. */
export interface HttpRoutes {
  /** Completes checked upgrades on /ws. */
  ws: WsEndpoint;
  /** Renders /metrics; absent: /metrics is not served here (404). */
  renderMetrics?: () => Promise<RenderedMetrics>;
  /** False once the server is shutting down: /healthz answers 503 and upgrades are refused. */
  accepting(): boolean;
  /** True while draining for a restart: /healthz's 503 then says `draining`. */
  draining?(): boolean;
  /** The web ID login's /oidc/… routes; absent: /oidc/ is not served (404). */
  webLogin?: {
    serve(
      req: http.IncomingMessage,
      res: http.ServerResponse,
      path: string,
      origin: string | undefined,
      ip: string,
    ): Promise<void>;
  };
}

/** Certificate and key (PEM) for HTTPS/wss, and the TLS handshake limit. */
export interface HttpTls {
  cert: Buffer;
  key: Buffer;
  handshakeTimeoutMs: number;
}

/** A listen error of the HTTP listener carries `listener: 'http'`, to name the right port. */
export type HttpListenError = NodeJS.ErrnoException & { listener: 'http' };

/** The bound listener. */
export interface HttpListener {
  server: http.Server;
  port: number;
  close(): void;
}

/** Starts the HTTP listener of `config.http`; resolves once bound. */
export async function listenHttp(
  config: Config,
  routes: HttpRoutes,
  tls?: HttpTls,
): Promise<HttpListener> {
  const { http: settings } = config;
  const timeoutMs = settings.upgrade_timeout_s * 1000;
  const files = new StaticFiles(settings.web_dir);
  const addresses = new ClientAddresses(settings.trusted_proxies);
  const options: http.ServerOptions = {
    headersTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    // How often Node looks for requests over those timeouts (its default is 30 s).
    connectionsCheckingInterval: Math.min(1_000, timeoutMs),
    maxHeaderSize: 16 * 1024,
  };
  const server = tls
    ? https.createServer({
        ...options,
        cert: tls.cert,
        key: tls.key,
        minVersion: 'TLSv1.2',
        handshakeTimeout: tls.handshakeTimeoutMs,
      })
    : http.createServer(options);
  server.keepAliveTimeout = 5_000;
  // Every socket, waiting or upgraded, is bounded: the caps of the server act below this.
  server.maxConnections = config.limits.max_connections + settings.max_upgrades;
  let origins: ReturnType<typeof ownOrigins> = new Set();

  // Sockets that have not finished their first request's headers (or TLS handshake) yet.
  let waiting = 0;
  const started = new WeakSet<Duplex>();
  server.on('connection', (socket: Socket) => {
    if (waiting >= settings.max_upgrades) {
      socket.destroy();
      return;
    }
    waiting++;
    socket.once('close', () => settle(socket));
  });
  const settle = (socket: Duplex) => {
    if (started.has(socket)) return;
    started.add(socket);
    waiting--;
  };
  // For HTTPS the raw socket is what 'connection' saw; req.socket is the TLS socket on top.
  const rawSocket = (s: Duplex): Duplex => (s as Duplex & { _parent?: Duplex })._parent ?? s;

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    settle(rawSocket(req.socket));
    void route(req, res).catch(() => {
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    settle(rawSocket(socket));
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/ws' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      return refuse(socket, 404, 'Not Found');
    }
    if (!routes.accepting()) return refuse(socket, 503, 'Service Unavailable');
    if (!originAllowed(req, origins, tls !== undefined)) return refuse(socket, 403, 'Forbidden');
    routes.ws.upgrade(req, socket, head, addresses.of(req));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  server.on('tlsClientError', (_err, socket: Duplex) => socket.destroy());

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed\n');
    }
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path === '/healthz') {
      if (routes.accepting()) return plain(res, 200, 'ok\n');
      return plain(res, 503, routes.draining?.() ? 'draining\n' : 'shutting down\n');
    }
    if (path === '/metrics' && routes.renderMetrics) {
      const { contentType, body } = await routes.renderMetrics();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
      return;
    }
    if (path === '/ws') return plain(res, 426, 'this path takes WebSocket upgrades\n');
    if (path.startsWith('/oidc/')) {
      if (!routes.webLogin) return plain(res, 404, 'not found\n');
      const origin = pageOrigin(req, origins, tls !== undefined, settings.public_url);
      return routes.webLogin.serve(req, res, path, origin, addresses.of(req));
    }
    await files.serve(req, res);
  }

  const port = await new Promise<number>((resolve, reject) => {
    const failed = (err: Error) => reject(Object.assign(err, { listener: 'http' as const }));
    server.once('error', failed);
    server.listen({ host: settings.host, port: settings.port }, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
  // Known only now: with port 0 the own origin has the port the system picked.
  origins = ownOrigins({
    allowed: settings.allowed_origins,
    host: settings.host,
    port,
    secure: tls !== undefined,
  });
  return {
    server,
    port,
    close: () => {
      server.close();
      server.closeIdleConnections();
    },
  };
}

/** Answers an upgrade request with a bare HTTP status and drops the socket. */
function refuse(socket: Duplex, status: number, text: string): void {
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  setTimeout(() => socket.destroy(), 1_000).unref();
}
