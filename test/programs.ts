// The programs the tests start. They run the compiled JavaScript in dist/ (built
// when stale by test/global-setup.ts), not the bin/ scripts: those load tsx and
// transpile src/ on every start, 1-2 s of CPU each, hundreds of times a run.
import { fileURLToPath } from 'node:url';

/** The compiled tree test/global-setup.ts keeps in step with src/. */
export const DIST_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
/** The server's compiled command-line entry point (`super-server`). */
export const SERVER_PROGRAM = fileURLToPath(new URL('../dist/cli/server.js', import.meta.url));
/** The terminal client's compiled command-line entry point (`super-client`). */
export const CLIENT_PROGRAM = fileURLToPath(new URL('../dist/cli/client.js', import.meta.url));
/** The user-facing `bin/super-server` script (tsx over src/): only for tests of the script itself. */
export const SERVER_BIN_SCRIPT = fileURLToPath(new URL('../bin/super-server', import.meta.url));
/** The user-facing `bin/super-client` script (tsx over src/): only for tests of the script itself. */
export const CLIENT_BIN_SCRIPT = fileURLToPath(new URL('../bin/super-client', import.meta.url));
