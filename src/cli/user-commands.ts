// `super-server user add|list|set-level`: account administration straight on the database.
import type { Command } from 'commander';
import type { z } from 'zod';
import { ActionError } from '../protocol/errors.ts';
import { Email, formatId, Phone, Reason, Username } from '../server/actions/inputs.ts';
import { systemClock } from '../server/clock.ts';
import { Levels } from '../server/levels.ts';
import { AddressSet } from '../server/security/addresses.ts';
import { HashGate } from '../server/security/hash-gate.ts';
import { Accounts } from '../server/services/accounts.ts';
import { LoginThrottle } from '../server/services/login-throttle.ts';
import { openStorage } from '../storage/open.ts';
import type { Storage } from '../storage/storage.ts';
import { LastHolderError, type UserRecord } from '../storage/storage.ts';
import { type CommonOptions, configFrom, fail } from './common.ts';

/** Records an operator's change in the audit log (actor `(cli)`). */
async function auditCli(
  storage: Storage,
  action: string,
  target: string,
  detail: string | null,
): Promise<void> {
  await storage.appendAudit([
    {
      at: new Date().toISOString(),
      actor: '(cli)',
      action,
      target,
      outcome: 'ok',
      detail,
      address: null,
    },
  ]);
}

/** Reads one line from stdin; the line ending is not part of it. */
async function readPasswordLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if ((chunk as Buffer).includes(0x0a)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const nl = text.indexOf('\n');
  return (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');
}

function parseOrFail<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) fail(`${what} ${result.error.issues[0]?.message ?? 'is invalid'}`);
  return result.data;
}

/** What `user list` shows in its status column. */
function accountStatus(u: UserRecord): string {
  if (u.deletedAt !== null) return 'deleted';
  if (u.bannedAt !== null) return 'banned';
  return u.pendingUntil === null ? 'active' : 'pending';
}

/** Awaits an account operation; a refusal (ActionError) ends the command with its message. */
async function orFail<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ActionError) fail(`${err.code}: ${err.message}`);
    throw err;
  }
}

/** Opens the configured database for one command and closes it afterwards. */
async function withStorage<T>(
  opts: CommonOptions,
  work: (ctx: { storage: Storage; levels: Levels; accounts: Accounts }) => Promise<T>,
): Promise<T> {
  const config = configFrom(opts);
  const storage = await openStorage(config);
  const levels = new Levels(config.levels);
  try {
    return await work({
      storage,
      levels,
      accounts: new Accounts({
        storage,
        levels,
        passwords: config.passwords,
        clock: systemClock,
        gate: new HashGate(1, 0),
        throttle: new LoginThrottle(config.login, new AddressSet([]), systemClock),
      }),
    });
  } finally {
    await storage.close();
  }
}

/** Adds the `user` command group to the program. */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage accounts in the database');
  const common = (cmd: Command) =>
    cmd
      .option('--data-dir <dir>', 'where the database lives (default ./data)')
      .option('--config <file>', 'JSON config file');

  common(user.command('add <username>'))
    .description('create an account (the way to make the first admin)')
    .requiredOption('--email <email>', 'email address')
    .option('--phone <phone>', 'phone number, international form')
    .option('--level <level>', 'permission level (default: levels.default)')
    .option('--password-stdin', 'read the password as one line from standard input')
    .action(
      async (
        name: string,
        opts: CommonOptions & {
          email: string;
          phone?: string;
          level?: string;
          passwordStdin?: boolean;
        },
      ) => {
        if (!opts.passwordStdin) fail('give the password on standard input with --password-stdin');
        const username = parseOrFail(Username, name, 'username');
        const email = parseOrFail(Email, opts.email, 'email');
        const phone =
          opts.phone === undefined ? undefined : parseOrFail(Phone, opts.phone, 'phone');
        const password = await readPasswordLine();
        await withStorage(opts, async ({ accounts, storage }) => {
          const created = await orFail(
            accounts.register({ username, password, email, phone, level: opts.level }),
          );
          await auditCli(storage, 'user_add', created.username, `level ${created.level}`);
          process.stdout.write(
            `created ${created.username} (#${formatId(created.id)}, level ${created.level})\n`,
          );
        });
      },
    );

  common(user.command('list'))
    .description('list accounts (never shows password hashes)')
    .option('--json', 'one JSON object per line')
    .action(async (opts: CommonOptions & { json?: boolean }) => {
      await withStorage(opts, async ({ storage }) => {
        for (const u of await storage.listUsers()) {
          const row = {
            id: formatId(u.id),
            username: u.username,
            email: u.email,
            phone: u.phone,
            level: u.level,
            created_at: u.createdAt,
            status: accountStatus(u),
          };
          process.stdout.write(
            opts.json
              ? `${JSON.stringify(row)}\n`
              : `#${row.id}  ${row.username}  ${row.level}  ${row.email}  ${row.phone ?? '-'}  ${row.status}\n`,
          );
        }
      });
    });

  common(user.command('set-level <username> <level>'))
    .description("change an account's permission level")
    .action(async (name: string, level: string, opts: CommonOptions) => {
      await withStorage(opts, async ({ storage, levels }) => {
        if (!levels.exists(level))
          fail(`no level "${level}"; levels are ${levels.names().join(', ')}`);
        const target = await storage.findUserByName(name);
        if (!target) fail(`no user ${name}`);
        try {
          await storage.setLevel(target.id, level, levels.top);
        } catch (err) {
          if (err instanceof LastHolderError) fail(err.message);
          throw err;
        }
        await auditCli(storage, 'set_level', target.username, `${target.level} -> ${level}`);
        process.stdout.write(`${target.username} is now ${level}\n`);
      });
    });

  common(user.command('delete <username>'))
    .description('delete an account: its email, phone and password go; its name stays reserved')
    .action(async (name: string, opts: CommonOptions) => {
      await withStorage(opts, async ({ storage, accounts }) => {
        const target = await storage.findUserByName(name);
        if (!target) fail(`no user ${name}`);
        await orFail(accounts.erase(target));
        await auditCli(storage, 'account_deleted', target.username, null);
        process.stdout.write(
          `${target.username} deleted (a running server ends its sessions at their next request)\n`,
        );
      });
    });

  common(user.command('ban <username>'))
    .description('ban an account: its logins are refused')
    .option('--reason <text>', 'why (shown to admins)')
    .action(async (name: string, opts: CommonOptions & { reason?: string }) => {
      await withStorage(opts, async ({ storage, accounts }) => {
        const reason =
          opts.reason === undefined ? null : parseOrFail(Reason, opts.reason, 'reason');
        const target = await orFail(accounts.setBan(null, name, { reason }));
        await auditCli(storage, 'ban', target.username, reason);
        process.stdout.write(`${target.username} banned\n`);
      });
    });

  common(user.command('unban <username>'))
    .description('lift a ban')
    .action(async (name: string, opts: CommonOptions) => {
      await withStorage(opts, async ({ storage, accounts }) => {
        const target = await orFail(accounts.setBan(null, name, undefined));
        await auditCli(storage, 'unban', target.username, null);
        process.stdout.write(`${target.username} unbanned\n`);
      });
    });

  common(user.command('unlock <username>'))
    .description('clear failed logins, ending a backoff or a lock')
    .action(async (name: string, opts: CommonOptions) => {
      await withStorage(opts, async ({ storage }) => {
        const target = await storage.findUserByName(name);
        if (!target) fail(`no user ${name}`);
        await storage.resetLoginFailures(target.id);
        await auditCli(storage, 'unlock', target.username, `${target.failedLogins} failed logins`);
        process.stdout.write(
          `${target.username} unlocked (had ${target.failedLogins} failed logins)\n`,
        );
      });
    });
}
