// Which server program a run starts: a checkout's compiled server
// (dist/cli/server.js, as `npm start` runs it), built first when its sources are
// newer than its last bench build; or a given .js file as it is.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout (the one the bench runs from). */
export const OWN_CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
/** Written into dist/ after a successful build: sources older than it are built. */
const STAMP = '.bench-build-stamp';
const LOCK = '.bench-build-lock';
const BUILD_TIMEOUT_MS = 300_000;
/** A lock older than this is left over from a build that died. */
const STALE_LOCK_MS = BUILD_TIMEOUT_MS + 10_000;

/** Raised when a server program cannot be found or built; run.ts prints it. */
export class ServerBuildError extends Error {}

/** The newest modification time (ms) of the files under `dir` that `wanted` accepts. */
function newestUnder(dir: string, wanted: (name: string) => boolean): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(path, wanted));
    else if (wanted(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether `root`'s dist/ is older than its sources: a source file (or tsconfig,
 * package.json) changed after the newest compiled file and after the last bench
 * build (whose stamp covers a build that had nothing to re-emit).
 */
function isStale(root: string): boolean {
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'cli', 'server.js'))) return true;
  let sources = newestUnder(join(root, 'src'), (n) => n.endsWith('.ts') && !n.endsWith('.test.ts'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    const path = join(root, file);
    if (existsSync(path)) sources = Math.max(sources, statSync(path).mtimeMs);
  }
  const built = newestUnder(dist, (n) => n.endsWith('.js') || n === STAMP);
  return sources > built;
}

/** Takes the build lock of `root` (one bench builds, the others wait); returns its release. */
function takeLock(root: string): () => void {
  const lock = join(root, 'dist', LOCK);
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      return () => unlinkSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {}
    if (age > STALE_LOCK_MS) {
      try {
        unlinkSync(lock);
      } catch {}
    } else if (Date.now() > deadline) {
      throw new ServerBuildError(`gave up waiting for another build of ${root} (${lock})`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

/** Builds `root` with its own `npm run build` when stale; returns its dist/cli/server.js. */
export function compiledServer(root: string): string {
  const entry = join(root, 'dist', 'cli', 'server.js');
  if (!isStale(root)) return entry;
  const release = takeLock(root);
  try {
    if (!isStale(root)) return entry;
    console.log(`bench: building ${root} (npm run build) …`);
    const result = spawnSync('npm', ['run', '--silent', 'build'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: BUILD_TIMEOUT_MS,
    });
    if (result.status !== 0 || !existsSync(entry)) {
      throw new ServerBuildError(
        `npm run build failed in ${root} (status ${result.status}); fix it, or run the server through --server-bin PATH.js`,
      );
    }
    writeFileSync(join(root, 'dist', STAMP), `${new Date().toISOString()}\n`);
    return entry;
  } finally {
    release();
  }
}

/** The checkout `path` belongs to: a checkout directory, or its bin/super-server. */
function checkoutOf(path: string): string | undefined {
  const isCheckout = (dir: string) =>
    existsSync(join(dir, 'tsconfig.build.json')) &&
    existsSync(join(dir, 'src', 'cli', 'server.ts'));
  if (statSync(path).isDirectory()) return isCheckout(path) ? path : undefined;
  const root = resolve(dirname(path), '..');
  return isCheckout(root) ? root : undefined;
}

/**
 * The .js program to run for `--server-bin PATH` (or this checkout when undefined):
 * a checkout or its `bin/super-server` runs that checkout's compiled server, built
 * when stale; a .js file runs as it is.
 */
export function serverProgram(path: string | undefined): string {
  const key = path ?? '';
  const known = resolved.get(key);
  if (known) return known;
  const program = findProgram(path);
  resolved.set(key, program);
  return program;
}

/** Programs already found (and built) by this bench process, by --server-bin ('' for none). */
const resolved = new Map<string, string>();

function findProgram(path: string | undefined): string {
  if (path === undefined) return compiledServer(OWN_CHECKOUT);
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ServerBuildError(`--server-bin ${path}: no such file`);
  const root = checkoutOf(absolute);
  if (root) return compiledServer(root);
  if (/\.[cm]?js$/.test(absolute)) return absolute;
  throw new ServerBuildError(
    `--server-bin ${path}: neither a checkout, its bin/super-server, nor a .js file`,
  );
}
