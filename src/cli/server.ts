// The `super-server` command: serve (default) and user administration.
import cluster from 'node:cluster';
import { Command } from 'commander';
import { SERVER_VERSION } from '../server/connection.ts';
import { registerAuditCommand } from './audit-command.ts';
import {
  type CommonOptions,
  configFrom,
  describeError,
  exitWithError,
  explainStartError,
  fail,
} from './common.ts';
import { registerMessagesCommand } from './messages-command.ts';
import { registerStorageCommand } from './storage-command.ts';
import {
  commanderExitCode,
  configureUsageErrors,
  portNumber,
  serveFlagsHelp,
  USAGE_EXIT,
  unknownCommand,
  wholeNumber,
} from './usage.ts';
import { registerUserCommands } from './user-commands.ts';

/** The flags of `serve`. */
interface ServeOptions extends CommonOptions {
  host?: string;
  port?: number;
  logLevel?: string;
  tlsCert?: string;
  tlsKey?: string;
  metricsPort?: number;
  httpPort?: number;
  workers?: number;
  nodeId?: string;
}

const program = new Command('super-server')
  .description('Real-time messaging and command server')
  .version(SERVER_VERSION, '-V, --version', 'print the version and exit');
// Before the commands: they inherit the error form and the exit override.
configureUsageErrors(program);

const serve = program
  .command('serve', { isDefault: true })
  .description('run the server (the default command)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--port <port>', 'TCP port, 0 for a free one (default 12345)', portNumber)
  .option('--data-dir <dir>', 'where the database lives (default ./data)')
  .option('--config <file>', 'JSON config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
  .option('--tls-cert <file>', 'serve TLS 1.2+ with this PEM certificate (chain)')
  .option('--tls-key <file>', 'the PEM private key of --tls-cert')
  .option(
    '--workers <n>',
    'server processes sharing the port, one per core (default 1)',
    wholeNumber(1, 64),
  )
  .option('--node-id <id>', "this node's name among several (broker.driver redis; default random)")
  .option(
    '--http-port <port>',
    'HTTP port for /ws, /healthz, /metrics and the web client, 0 for a free one (default 8080)',
    portNumber,
  )
  .option(
    '--metrics-port <port>',
    'serve GET /metrics and /healthz on this port (0: a free one)',
    portNumber,
  )
  // Words after the default command are a mistyped command (`users list`), said as such.
  .allowExcessArguments()
  .action(async (opts: ServeOptions, cmd: Command) => {
    if (cmd.args.length > 0) fail(unknownCommand(program, cmd.args), USAGE_EXIT);
    const config = configFrom(opts, {
      'server.host': opts.host,
      'server.port': opts.port,
      'log.level': opts.logLevel,
      'tls.cert_file': opts.tlsCert,
      'tls.key_file': opts.tlsKey,
      'metrics.enabled': opts.metricsPort === undefined ? undefined : true,
      'metrics.port': opts.metricsPort,
      'http.port': opts.httpPort,
      'server.workers': opts.workers,
      'server.node_id': opts.nodeId,
    });
    try {
      // Loaded here, not above: the user, audit and other commands never load the server.
      if (cluster.isWorker) await (await import('../server/cluster/worker.ts')).runWorker(config);
      else if (config.server.workers > 1) {
        process.exit(await (await import('../server/cluster/primary.ts')).runPrimary(config));
      } else await (await import('../server/main.ts')).runServer(config);
    } catch (err) {
      throw explainStartError(err, config);
    }
    process.exit(0);
  });

registerUserCommands(program);
registerAuditCommand(program);
program.addHelpText('after', () => serveFlagsHelp(serve));
registerMessagesCommand(program);
registerStorageCommand(program);

await program.parseAsync(process.argv).catch(async (err: unknown) => {
  // Commander has printed its usage error (or the help, or the version) already.
  const usageExit = commanderExitCode(err);
  if (usageExit !== undefined) process.exit(usageExit);
  // A worker's failure is the primary's to print: N workers failing alike give one line.
  if (!cluster.isWorker) exitWithError(err);
  const { message, exitCode } = describeError(err);
  (await import('../server/cluster/worker.ts')).reportStartFailure(message, exitCode);
});
