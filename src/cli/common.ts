// Helpers shared by the super-server subcommands.
import { ConfigError, loadConfig } from '../server/config.ts';

/** Options every subcommand shares. */
export interface CommonOptions {
  config?: string;
  dataDir?: string;
}

/** Loads config from file, environment and the given dotted flags; exits 2 with the message on error. */
export function configFrom(opts: CommonOptions, flags: Record<string, unknown> = {}) {
  try {
    return loadConfig({
      file: opts.config,
      env: process.env,
      flags: { 'server.data_dir': opts.dataDir, ...flags },
    });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
}

/** Prints a message to stderr and exits. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`super-server: ${message}\n`);
  process.exit(code);
}
