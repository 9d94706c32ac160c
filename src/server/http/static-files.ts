// The web client's files: strict headers, long caching for hashed assets, and
// no way out of the root (`..`, encoded or not, NUL, backslashes, symlinks).
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** Headers every page of the listener carries: no inline script, no sniffing, no framing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Content types by file extension; anything else is served as bytes. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Hashed build output (Vite's `assets/name-HASH.js`) never changes under its name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The page `/` shows when the web client has not been built. */
const NOT_BUILT =
  'The web client is not built.\n\n' +
  'Build it with `npm run build:web` (it writes web/dist), or point http.web_dir at a built copy.\n' +
  'The server itself is running: WebSocket clients connect to /ws.\n';

/**
 * Maps a request target to a path relative to the root, or undefined when it
 * is not a plain path: not starting with `/`, undecodable, or holding a NUL,
 * a backslash, or a `.`/`..` segment (before or after percent-decoding).
 */
export function safeRelativePath(target: string): string | undefined {
  const raw = target.split(/[?#]/, 1)[0] ?? '';
  if (!raw.startsWith('/') || raw.startsWith('//')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return undefined;
  const relative = segments.join('/');
  return relative === '' || relative.endsWith('/') ? `${relative}index.html` : relative;
}

/** Serves files under one directory (the built web client). */
export class StaticFiles {
  private realRoot: string | undefined;

  constructor(private readonly root: string) {}

  /** Answers a GET or HEAD for a file; 404 for anything missing or outside the root. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const relative = safeRelativePath(req.url ?? '/');
    if (relative === undefined) return plain(res, 400, 'bad path\n');
    const root = await this.resolvedRoot();
    if (root === undefined) {
      if (relative === 'index.html') return plain(res, 200, NOT_BUILT, 'no-cache');
      return plain(res, 404, 'not found\n');
    }
    const file = await this.inside(root, relative);
    if (file === undefined) return plain(res, 404, 'not found\n');
    const type = TYPES[path.extname(file.path).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'content-length': file.stats.size,
      'cache-control': relative.startsWith('assets/') ? IMMUTABLE : 'no-cache',
      'last-modified': file.stats.mtime.toUTCString(),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  /** The root with its symlinks resolved, or undefined while it does not exist. */
  private async resolvedRoot(): Promise<string | undefined> {
    if (this.realRoot !== undefined) return this.realRoot;
    try {
      const real = await realpath(this.root);
      if (!(await stat(real)).isDirectory()) return undefined;
      this.realRoot = real;
      return real;
    } catch {
      return undefined;
    }
  }

  /** The regular file at `relative`, once its real path (symlinks followed) is inside the root. */
  private async inside(
    root: string,
    relative: string,
  ): Promise<{ path: string; stats: Stats } | undefined> {
    try {
      const real = await realpath(path.join(root, relative));
      if (!real.startsWith(root + path.sep)) return undefined;
      const stats = await stat(real);
      return stats.isFile() ? { path: real, stats } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A short plain-text answer with the security headers. */
export function plain(res: ServerResponse, status: number, body: string, cache = 'no-store'): void {
  res
    .writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': cache,
    })
    .end(body);
}
