// Builds a checkout's compiled programs when they are stale, for the bench and
// for the tests (test/global-setup.ts): dist/cli/server.js and dist/cli/client.js
// (and web/dist), as `npm start` runs them. One build at a time per checkout.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout (the one the bench or the tests run from). */
export const OWN_CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
/** Written into dist/ after a successful build: sources older than it are built. */
const STAMP = '.build-stamp';
const LOCK = '.build-lock';
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

/** What `npm run build` must leave in `root`: the compiled CLIs, and the web client if it has one. */
function outputsOf(root: string): string[] {
  const outputs = [join(root, 'dist', 'cli', 'server.js')];
  if (existsSync(join(root, 'src', 'cli', 'client.ts'))) {
    outputs.push(join(root, 'dist', 'cli', 'client.js'));
  }
  if (existsSync(join(root, 'web', 'index.html')))
    outputs.push(join(root, 'web', 'dist', 'index.html'));
  return outputs;
}

/**
 * Whether `root`'s build is older than its sources: an output is missing, or a
 * source file (under src/ or web/src/, or a tsconfig, package.json) changed after
 * the newest compiled file and after the last build (whose stamp covers a build
 * that had nothing to re-emit).
 */
function isStale(root: string): boolean {
  if (!outputsOf(root).every((file) => existsSync(file))) return true;
  const isSource = (n: string) => /\.(ts|tsx|css|html)$/.test(n) && !n.endsWith('.test.ts');
  let sources = Math.max(
    newestUnder(join(root, 'src'), isSource),
    newestUnder(join(root, 'web', 'src'), isSource),
  );
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'web/index.html']) {
    const path = join(root, file);
    if (existsSync(path)) sources = Math.max(sources, statSync(path).mtimeMs);
  }
  const built = newestUnder(join(root, 'dist'), (n) => n.endsWith('.js') || n === STAMP);
  return sources > built;
}

/** Takes the build lock of `root` (one process builds, the others wait); returns its release. */
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

/**
 * Builds `root` with its own `npm run build` when stale (`who` says in the log
 * line who asked); returns its dist/ directory.
 */
export function buildCheckout(root: string, who: string): string {
  const dist = join(root, 'dist');
  if (!isStale(root)) return dist;
  const release = takeLock(root);
  try {
    if (!isStale(root)) return dist;
    // tsc --incremental trusts its build info over what is on disk: after dist/
    // lost files it would emit nothing, so a missing output starts it afresh.
    if (!outputsOf(root).every((file) => existsSync(file))) {
      rmSync(join(root, 'tsconfig.build.tsbuildinfo'), { force: true });
    }
    console.log(`${who}: building ${root} (npm run build) …`);
    const result = spawnSync('npm', ['run', '--silent', 'build'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: BUILD_TIMEOUT_MS,
    });
    const missing = outputsOf(root).filter((file) => !existsSync(file));
    if (result.status !== 0 || missing.length > 0) {
      const lacking = missing.length > 0 ? `, missing ${missing.join(', ')}` : '';
      throw new ServerBuildError(
        `npm run build failed in ${root} (status ${result.status}${lacking}); fix it${who === 'bench' ? ', or run the server through --server-bin PATH.js' : ''}`,
      );
    }
    writeFileSync(join(dist, STAMP), `${new Date().toISOString()}\n`);
    return dist;
  } finally {
    release();
  }
}

/** Builds `root` when stale; returns its dist/cli/server.js. */
export function compiledServer(root: string): string {
  return join(buildCheckout(root, 'bench'), 'cli', 'server.js');
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
