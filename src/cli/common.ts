// Helpers shared by the super-server subcommands.
import { WorkerStartFailure } from '../server/cluster/start-failure.ts';
import { type Config, ConfigError, loadConfig } from '../server/config.ts';
import { DataDirError } from '../storage/sqlite/data-dir.ts';

/** Options every subcommand shares. */
export interface CommonOptions {
  config?: string;
  dataDir?: string;
}

/** A failure to report in one line on stderr, with the exit code to leave with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Stops the command: the top level prints the message and exits with the code. */
export function fail(message: string, exitCode = 1): never {
  throw new CliError(message, exitCode);
}

/** Loads config from file, environment and the given dotted flags (undefined flags are skipped). */
export function configFrom(opts: CommonOptions, flags: Record<string, unknown> = {}) {
  return loadConfig({
    file: opts.config,
    env: process.env,
    flags: { 'server.data_dir': opts.dataDir, ...flags },
  });
}

/**
 * The operator's line for a failure to listen (port in use, not allowed,
 * no such address), naming the listener that failed; other errors unchanged.
 */
export function explainStartError(err: unknown, config: Config): unknown {
  const e = err as NodeJS.ErrnoException & { listener?: string };
  const listener = e?.listener === 'metrics' || e?.listener === 'http' ? e.listener : 'server';
  const what = { metrics: 'metrics port', http: 'HTTP port', server: 'port' }[listener];
  const { host, port } = config[listener];
  switch (e?.code) {
    case 'EADDRINUSE':
      return new CliError(`${what} ${port} on ${host} is already in use`, 2);
    case 'EACCES':
      return new CliError(`not allowed to bind ${host}:${port} (${what})`, 2);
    case 'EADDRNOTAVAIL':
      return new CliError(`address ${host} is not available here (${what})`, 2);
    default:
      return err;
  }
}

/** What the top level says about an error (without the `super-server: ` prefix) and its exit code. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof ConfigError || err instanceof DataDirError) {
    return { message: err.message, exitCode: 2 };
  }
  if (err instanceof CliError || err instanceof WorkerStartFailure) {
    return { message: err.message, exitCode: err.exitCode };
  }
  return { message: `unexpected failure: ${(err as Error)?.stack ?? err}`, exitCode: 1 };
}

/** Prints an error the way a person should see it and exits: 2 for a start-up mistake, else 1. */
export function exitWithError(err: unknown): never {
  const { message, exitCode } = describeError(err);
  process.stderr.write(`super-server: ${message}\n`);
  process.exit(exitCode);
}
