// Runs one session command (ping, who, msg, … or a raw action) on an SDK Client; no terminal I/O.
import {
  type ChatMessage,
  type Client,
  MAX_HISTORY_PAGE,
  type TcpOptions,
} from '../../client/index.ts';
import type { CommandSpec } from './commands.ts';
import { UsageError } from './errors.ts';
import { groupFormAction, runGroupCommand, sendMessage } from './group-execute.ts';
import { auditCount, convArg, historyCount, rawInputs, whoInputs } from './parse.ts';

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
  /** log in through this identity provider (ID login, the device flow) */
  id?: string;
}

/** A command that talks to the server without asking questions: what execute() accepts. */
export interface Runnable {
  kind: 'command';
  spec: CommandSpec;
  args: string[];
}

/** What a command got back: the reply's data, and for ping the round trip. */
export interface Result {
  data: unknown;
  /** milliseconds from sending to the reply (ping only) */
  rttMs?: number;
}

/** The longest direct message, in Unicode code points (docs/protocol.md section 6). */
export const MAX_MESSAGE_CHARS = 4_000;

/** The wire action a runnable sends, when known before sending. */
export function wireAction(r: Runnable): string | undefined {
  if (r.spec.name === 'raw') return r.args[0];
  return groupFormAction(r.spec.name, r.args[0]) ?? r.spec.action;
}

/** Refuses a message text the server would refuse, before it is sent. */
export function checkMessageText(text: string): void {
  const length = [...text].length;
  if (length > MAX_MESSAGE_CHARS) {
    throw new UsageError(
      `message too long: ${length.toLocaleString('en')} characters, the limit is 4,000 (nothing was sent)`,
    );
  }
}

/**
 * Checks what the command needs, then sends it and resolves with the reply's data (for ping,
 * also the round-trip time in ms). Throws UsageError for bad arguments or a missing session,
 * and whatever the SDK throws for the rest.
 */
export async function execute(client: Client, r: Runnable): Promise<Result> {
  const { spec, args } = r;
  if (spec.needs !== 'nothing' && client.isOffline) {
    throw new UsageError(`offline, reconnecting: ${spec.name} has to wait (msg is queued)`);
  }
  if (spec.needs !== 'nothing') requireConnection(client);
  if (spec.needs === 'session' && !client.isLoggedIn) {
    throw new UsageError(`${spec.name} needs you to be logged in (use login or register first)`);
  }
  if (spec.name === 'ping') {
    const start = performance.now();
    const data = await client.call('ping');
    return { data, rttMs: performance.now() - start };
  }
  return { data: await send(client, spec.name, args) };
}

function send(client: Client, name: string, args: string[]): Promise<unknown> {
  const [a0 = '', a1 = ''] = args;
  const group = runGroupCommand(client, name, args);
  if (group !== undefined) return group;
  switch (name) {
    case 'who':
      return client.who(usageOf(() => whoInputs(args)));
    case 'msg':
      checkMessageText(a1);
      return sendMessage(client, a0, a1);
    case 'history':
      return lastMessages(
        client,
        usageOf(() => convArg(a0)),
        usageOf(() => historyCount(args[1])),
      );
    case 'convs':
      return client.conversationsPage(50);
    case 'read':
      return readAll(
        client,
        usageOf(() => convArg(a0)),
      );
    case 'whois':
      return client.userInfo(a0);
    case 'id':
      return client.getId();
    case 'level':
      return client.getPermissionLevel();
    case 'setlevel':
      return client.changePermissionLevel(a0, a1);
    case 'ban':
      return args[1] === undefined ? client.ban(a0) : client.ban(a0, args[1]);
    case 'unban':
      return client.unban(a0);
    case 'kick':
      return client.kick(a0);
    case 'kill':
      return client.killServer(a0);
    case 'identities':
      return client.identities().then((identities) => ({ identities }));
    case 'unlink':
      return client.unlinkIdentity(a0).then(() => ({}));
    case 'audit':
      return client.auditLog({ limit: usageOf(() => auditCount(a0 || undefined)) });
    case 'raw':
      return client.call(
        a0,
        usageOf(() => rawInputs(args[1])),
      );
    default:
      throw new UsageError(`${name} cannot be used here`);
  }
}

/** The last `n` messages of `conv`, oldest first, and whether older ones exist. */
async function lastMessages(client: Client, conv: string, n: number) {
  const messages: ChatMessage[] = [];
  let more = false;
  for await (const m of client.history(conv, { pageSize: Math.min(n + 1, MAX_HISTORY_PAGE) })) {
    if (messages.length === n) {
      more = true;
      break;
    }
    messages.push(m);
  }
  return { conv, messages: messages.reverse(), more };
}

/** Marks `conv` read up to its newest message. */
async function readAll(client: Client, conv: string) {
  const page = await client.historyPage(conv, undefined, 1);
  const last = page.messages[page.messages.length - 1];
  if (last === undefined) return { conv: page.conv, read_seq: 0, unread: 0 };
  return client.markRead(page.conv, last.seq);
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
