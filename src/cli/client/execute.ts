// Runs one session command (ping, who, msg, … or a raw action) on an SDK Client; no terminal I/O.
import type { Client, TcpOptions } from '../../client/index.ts';
import type { CommandSpec } from './commands.ts';
import { UsageError } from './errors.ts';
import { rawInputs, whoInputs } from './parse.ts';

/** What both modes (prompt and one-shot) are started with, from the command-line flags. */
export interface RunOptions {
  host: string;
  port: number;
  tls?: TcpOptions['tls'];
  timeoutMs: number;
  json: boolean;
  color: boolean;
  /** log in as this user (the prompt asks for the password; one-shot reads it from stdin) */
  user?: string;
}

/** A command that talks to the server without asking questions: what execute() accepts. */
export type Runnable =
  | { kind: 'command'; spec: CommandSpec; args: string[] }
  | { kind: 'raw'; action: string; inputs: string[] };

/** The name a result is reported under (friendly command name, or the raw action). */
export function commandName(r: Runnable): string {
  return r.kind === 'command' ? r.spec.name : r.action;
}

/** The wire action a runnable sends, when known before sending. */
export function wireAction(r: Runnable): string | undefined {
  if (r.kind === 'raw') return r.action;
  if (r.spec.name === 'raw') return r.args[0];
  return r.spec.action;
}

/**
 * Checks what the command needs, then sends it and resolves with the reply's data (for ping,
 * the round-trip time in ms). Throws UsageError for bad arguments or a missing session, and
 * whatever the SDK throws for the rest.
 */
export async function execute(client: Client, r: Runnable): Promise<unknown> {
  if (r.kind === 'raw') {
    requireConnection(client);
    return client.call(r.action, r.inputs);
  }
  const { spec, args } = r;
  if (spec.needs !== 'nothing') requireConnection(client);
  if (spec.needs === 'session' && !client.isLoggedIn) {
    throw new UsageError(`${spec.name} needs you to be logged in (use login or register first)`);
  }
  const [a0 = '', a1 = ''] = args;
  switch (spec.name) {
    case 'ping':
      return client.ping();
    case 'who':
      return client.who(usageOf(() => whoInputs(args)));
    case 'msg':
      return client.messageUser(a0, a1);
    case 'id':
      return client.getId();
    case 'level':
      return client.getPermissionLevel();
    case 'setlevel':
      return client.changePermissionLevel(a0, a1);
    case 'kick':
      return client.kick(a0);
    case 'kill':
      return client.killServer(a0);
    case 'raw':
      return client.call(
        a0,
        usageOf(() => rawInputs(args[1])),
      );
    default:
      throw new UsageError(`${spec.name} cannot be used here`);
  }
}

function requireConnection(client: Client): void {
  if (!client.isConnected) throw new UsageError('not connected (use connect [host[:port]] first)');
}

function usageOf<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
