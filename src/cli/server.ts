// The `super-server` command: serve (default) and user administration.
import cluster from 'node:cluster';
import { Command } from 'commander';
import { runPrimary } from '../server/cluster/primary.ts';
import { runWorker } from '../server/cluster/worker.ts';
import { runServer } from '../server/main.ts';
import { registerAuditCommand } from './audit-command.ts';
import { type CommonOptions, configFrom, exitWithError, fail } from './common.ts';
import { registerMessagesCommand } from './messages-command.ts';
import { registerUserCommands } from './user-commands.ts';

/** Flag values are checked by the config schema, which names the key on error. */
const toNumber = (value: string) => Number(value);

/** The flags of `serve`. */
interface ServeOptions extends CommonOptions {
  host?: string;
  port?: number;
  logLevel?: string;
  tlsCert?: string;
  tlsKey?: string;
  metricsPort?: number;
  workers?: number;
}

const program = new Command('super-server').description('Real-time messaging and command server');

program
  .command('serve', { isDefault: true })
  .description('run the server (the default command)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--port <port>', 'TCP port, 0 for a free one (default 12345)', toNumber)
  .option('--data-dir <dir>', 'where the database lives (default ./data)')
  .option('--config <file>', 'JSON config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
  .option('--tls-cert <file>', 'serve TLS 1.2+ with this PEM certificate (chain)')
  .option('--tls-key <file>', 'the PEM private key of --tls-cert')
  .option('--workers <n>', 'server processes sharing the port, one per core (default 1)', toNumber)
  .option(
    '--metrics-port <port>',
    'serve GET /metrics and /healthz on this port (0: a free one)',
    toNumber,
  )
  .action(async (opts: ServeOptions) => {
    const config = configFrom(opts, {
      'server.host': opts.host,
      'server.port': opts.port,
      'log.level': opts.logLevel,
      'tls.cert_file': opts.tlsCert,
      'tls.key_file': opts.tlsKey,
      'metrics.enabled': opts.metricsPort === undefined ? undefined : true,
      'metrics.port': opts.metricsPort,
      'server.workers': opts.workers,
    });
    try {
      if (cluster.isWorker) await runWorker(config);
      else if (config.server.workers > 1) process.exit(await runPrimary(config));
      else await runServer(config);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE')
        fail(`port ${config.server.port} on ${config.server.host} is already in use`);
      if (e.code === 'EACCES')
        fail(`not allowed to bind ${config.server.host}:${config.server.port}`);
      if (e.code === 'EADDRNOTAVAIL') fail(`address ${config.server.host} is not available here`);
      throw err;
    }
    process.exit(0);
  });

registerUserCommands(program);
registerAuditCommand(program);
registerMessagesCommand(program);

await program.parseAsync(process.argv).catch(exitWithError);
