// One-shot mode: connect, log in if asked, run one command, print the result, exit with a status.
import { Client } from '../../client/index.ts';
import {
  ClientError,
  type Described,
  describeError,
  describeReason,
  EXIT,
  UsageError,
} from './errors.ts';
import { execute, type Result, type Runnable, type RunOptions, wireAction } from './execute.ts';
import { type IdDialog, linkWithId, loginWithId } from './id-login.ts';
import { parseArgv } from './parse.ts';
import { formatEvent, formatReply, jsonError, jsonEvent, jsonReply } from './render.ts';
import { makeStyle } from './style.ts';

/** What a one-shot run is started with (from the command-line flags). */
export interface ScriptOptions extends RunOptions {
  /** the password, already read (from stdin) */
  password?: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Runs `words` (command and arguments) once; resolves with the exit status. */
export async function runScript(words: string[], opts: ScriptOptions): Promise<number> {
  const where = `${opts.host}:${opts.port}`;
  const fail = (d: Described): number => {
    const line = opts.json ? jsonError(d.text, d.code) : `super-client: ${d.text}`;
    opts.stderr.write(`${line}\n`);
    return d.exitCode;
  };
  const parsed = parseArgv(words);
  if (parsed.kind === 'empty') return fail(describeError(new UsageError('no command given')));
  if (parsed.kind === 'unknown') {
    const msg = `unknown command: ${parsed.word} (see super-client --help; raw <action> [json-array] sends any action)`;
    return fail(describeError(new UsageError(msg)));
  }
  if (parsed.kind === 'usage') return fail(describeError(new UsageError(parsed.message)));
  if (parsed.kind === 'command' && parsed.spec.interactiveOnly) {
    const hint =
      parsed.spec.name === 'login' || parsed.spec.name === 'register'
        ? ' (one-shot commands log in with --user NAME --password-stdin)'
        : ' (start super-client without a command for the prompt)';
    return fail(
      describeError(new UsageError(`${parsed.spec.name} works only at the prompt${hint}`)),
    );
  }
  const runnable = parsed;
  if (runnable.spec.needs === 'session' && opts.user === undefined && opts.id === undefined) {
    const msg = `${runnable.spec.name} needs a login: add --user NAME --password-stdin, or --id PROVIDER`;
    return fail(describeError(new UsageError(msg)));
  }

  const s = makeStyle(opts.color);
  const listening = runnable.spec.name === 'listen';
  // Only listen shows the replayed messages, so only listen acks them: the others leave
  // them pending for the next login that does show them.
  const client = new Client({
    requestTimeoutMs: opts.timeoutMs,
    heartbeat: true,
    autoAck: listening,
  });
  client.on('event', (ev) => {
    if (ev.event === 'hello') return;
    if (opts.json) opts.stdout.write(`${jsonEvent(ev.event, ev.data)}\n`);
    else if (listening) {
      const text = formatEvent(ev.event, ev.data, s, client.username);
      if (text !== undefined) opts.stdout.write(`${text}\n`);
    }
  });

  try {
    await client.connect({
      host: opts.host,
      port: opts.port,
      tls: opts.tls,
      connectTimeoutMs: opts.timeoutMs,
    });
  } catch (err) {
    const d = describeError(err, where);
    const text = d.text.startsWith('could not')
      ? d.text
      : `could not connect to ${where}: ${d.text}`;
    return fail({ ...d, text, exitCode: EXIT.connection });
  }
  try {
    if (opts.user !== undefined) await client.login(opts.user, opts.password ?? '');
    else if (opts.id !== undefined) await loginWithId(client, scriptDialog(opts), opts.id);
    if (listening) return await listen(client, opts);
    const result = await run(client, runnable, opts);
    const name = runnable.spec.name;
    const out = opts.json
      ? jsonReply(name, wireAction(runnable), result)
      : formatReply(name, runnable.args, result, s);
    opts.stdout.write(`${out}\n`);
    return EXIT.ok;
  } catch (err) {
    return fail(describeError(err, where));
  } finally {
    client.close();
  }
}

/** link runs the device flow (its instructions on stderr); every other command is execute()'s. */
async function run(client: Client, r: Runnable, opts: ScriptOptions): Promise<Result> {
  if (r.spec.name !== 'link') return execute(client, r);
  return { data: { linked: await linkWithId(client, scriptDialog(opts), r.args[0] ?? '') } };
}

/**
 * The ID login flows' dialog in one-shot mode: instructions on stderr (stdout is the reply's;
 * with --json one `sign_in` line), no QR code, and no questions: a new identity needs the
 * prompt to choose a username.
 */
function scriptDialog(opts: ScriptOptions): IdDialog {
  const line = (text: string) => opts.stderr.write(`${text}\n`);
  return {
    info: line,
    warn: (text) => line(`super-client: ${text}`),
    qr: false,
    json: opts.json ? line : undefined,
    ask: () => {
      const how = `super-client --id ${opts.id ?? 'PROVIDER'} (the prompt)`;
      throw new ClientError(
        `no account is tied to this identity yet; create one with ${how}`,
        EXIT.usage,
      );
    },
  };
}

/** Waits until the connection ends (or SIGINT/SIGTERM), printing events as they come. */
async function listen(client: Client, opts: ScriptOptions): Promise<number> {
  const stop = () => client.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const info = await new Promise<{ reason?: string }>((resolve) => client.once('close', resolve));
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (opts.json) opts.stdout.write(`${JSON.stringify({ type: 'closed', reason: info.reason })}\n`);
  if (['client_closed', 'shutdown', 'restart', 'logged_out'].includes(info.reason ?? ''))
    return EXIT.ok;
  throw new ClientError(`connection closed: ${describeReason(info.reason)}`, EXIT.connection);
}
