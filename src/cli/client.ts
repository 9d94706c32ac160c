// The `super-client` command: the interactive terminal client, or one command run from a script.
import fs from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT } from './client/errors.ts';
import { programHelpEpilog } from './client/help.ts';
import { historyPath } from './client/history.ts';
import { runInteractive } from './client/interactive.ts';
import { parsePort } from './client/parse.ts';
import { runScript } from './client/script.ts';
import { wantsColor } from './client/style.ts';

/** The flags, as commander hands them over. */
interface Flags {
  host: string;
  port: number;
  user?: string;
  id?: string;
  passwordStdin?: boolean;
  json?: boolean;
  tls?: boolean;
  ca?: string;
  timeout: number;
  color: boolean;
  history: boolean;
}

const portArg = (value: string): number => {
  try {
    return parsePort(value);
  } catch {
    throw new InvalidArgumentError('must be a port number (1-65535)');
  }
};

const msArg = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) {
    throw new InvalidArgumentError('must be a whole number of milliseconds above 0');
  }
  return n;
};

/**
 * commander's error lines in the one form this binary uses, `super-client: <message>`:
 * "error: option '--port <port>' argument 'abc' is invalid. must be …" → "--port abc: must be …".
 */
function usageLine(commanderText: string): string {
  let text = commanderText.trim().replace(/^error: /, '');
  const bad = /^option '(-[^ ']*)[^']*' argument '(.*)' is invalid\. (.*)$/s.exec(text);
  if (bad) text = `${bad[1]} ${bad[2]}: ${bad[3]}`;
  return `super-client: ${text} (see super-client --help)\n`;
}

/** Prints one line on stderr and leaves with `code`, after stdout/stderr are flushed. */
async function exit(code: number, message?: string): Promise<never> {
  if (message !== undefined) process.stderr.write(`super-client: ${message}\n`);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}

/** The first line of stdin (without its line ending), read up to 4 KiB. */
async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  process.stdin.destroy();
  return (text.split('\n', 1)[0] ?? '').replace(/\r$/, '');
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

async function main(command: string | undefined, args: string[], flags: Flags): Promise<never> {
  let tls: { ca?: Buffer } | undefined;
  if (flags.tls || flags.ca !== undefined) {
    tls = {};
    if (flags.ca !== undefined) {
      try {
        tls.ca = fs.readFileSync(flags.ca);
      } catch (err) {
        const why = (err as Error).message.replace(/^E[A-Z]+: (.*?), \w+(?: '.*')?$/, '$1');
        return exit(EXIT.usage, `--ca: cannot read CA file ${flags.ca}: ${why}`);
      }
    }
  }
  if (flags.id !== undefined && (flags.user !== undefined || flags.passwordStdin)) {
    return exit(
      EXIT.usage,
      '--id logs in through an identity provider: leave out --user and --password-stdin',
    );
  }
  const common = {
    id: flags.id,
    host: flags.host,
    port: flags.port,
    tls,
    timeoutMs: flags.timeout,
    json: flags.json === true,
  };

  if (command === undefined) {
    if (flags.passwordStdin) {
      return exit(
        EXIT.usage,
        '--password-stdin needs a command (the prompt asks for the password)',
      );
    }
    const initial =
      flags.id !== undefined
        ? ['connect', `login --id ${flags.id}`]
        : flags.user === undefined
          ? []
          : ['connect', `login ${flags.user}`];
    const code = await runInteractive(
      {
        ...common,
        color: flags.color && wantsColor(process.stdout, process.env),
        historyFile: flags.history ? historyPath(process.env) : undefined,
        user: flags.user,
        input: process.stdin,
        output: process.stdout,
      },
      initial,
    );
    return exit(code);
  }

  if (flags.user !== undefined && !flags.passwordStdin) {
    return exit(
      EXIT.usage,
      '--user needs --password-stdin for a one-shot command (or leave out the command for the prompt)',
    );
  }
  if (flags.passwordStdin && flags.user === undefined) {
    return exit(EXIT.usage, '--password-stdin needs --user NAME');
  }
  const password = flags.passwordStdin ? await readStdinLine() : undefined;
  const code = await runScript([command, ...args], {
    ...common,
    color: flags.color && wantsColor(process.stdout, process.env),
    user: flags.user,
    password,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  return exit(code);
}

const program = new Command('super-client')
  .description(
    'Terminal client for super-server: an interactive prompt, or one command run from a script.',
  )
  .usage('[options] [command [args...]]')
  .argument('[command]', 'run this one command and exit (without one: the interactive prompt)')
  .argument('[args...]', "the command's arguments")
  .option('--host <host>', 'server address', '127.0.0.1')
  .option('--port <port>', 'server TCP port', portArg, 12345)
  .option(
    '-u, --user <name>',
    'log in as this user (one-shot: with --password-stdin; prompt: connects and asks)',
  )
  .option('--password-stdin', 'read the password from the first line of stdin (one-shot)')
  .option(
    '--id <provider>',
    'log in through this identity provider (ID login: shows a code to enter at its page, waits)',
  )
  .option('--json', 'print replies and events as JSON lines (errors too, on stderr)')
  .option('--tls', 'connect with TLS (verifying the server certificate)')
  .option('--ca <file>', 'trust this CA certificate (PEM file) for TLS; implies --tls')
  .option('--timeout <ms>', 'connect and reply timeout in milliseconds', msArg, 10_000)
  .option('--no-color', 'plain output without colours (also: NO_COLOR=1)')
  .option('--no-history', 'do not read or write the history file')
  .version(version(), '-V, --version')
  .passThroughOptions()
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(usageLine(text)) })
  .addHelpText('after', programHelpEpilog())
  .action((command: string | undefined, args: string[], flags: Flags) =>
    main(command, args, flags),
  );

process.on('uncaughtException', (err) => {
  void exit(1, `unexpected failure: ${err?.message ?? err}`);
});
process.on('unhandledRejection', (err) => {
  void exit(1, `unexpected failure: ${(err as Error)?.message ?? err}`);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) await exit(err.exitCode === 0 ? 0 : EXIT.usage);
  await exit(1, `unexpected failure: ${(err as Error)?.message ?? err}`);
}
