// `super-server messages purge --before DATE`: delete stored messages sent before a time.
import type { Command } from 'commander';
import { purgeMessagesBefore } from '../server/services/retention.ts';
import { openStorage } from '../storage/open.ts';
import { type CommonOptions, configFrom, fail } from './common.ts';

/** An ISO date or time (`2026-11-01`, `2026-11-01T12:00Z`) as ms; exits 2 when it is not one. */
export function parseBefore(text: string): number {
  const ms = /^\d{4}-\d\d-\d\d/.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) fail(`--before: "${text}" is not a date or time like 2026-11-01`, 2);
  return ms;
}

/** Adds the `messages` command group to the program. */
export function registerMessagesCommand(program: Command): void {
  const messages = program.command('messages').description('manage stored messages');
  messages
    .command('purge')
    .description('delete stored messages sent before a date (also while the server runs)')
    .requiredOption('--before <date>', 'ISO date or time: messages sent before it are deleted')
    .option('--data-dir <dir>', 'where the database lives (default ./data)')
    .option('--config <file>', 'JSON config file')
    .action(async (opts: CommonOptions & { before: string }) => {
      const before = parseBefore(opts.before);
      const storage = await openStorage(configFrom(opts));
      try {
        const n = await purgeMessagesBefore(storage.conversations, before, 5_000);
        process.stdout.write(
          `deleted ${n} message${n === 1 ? '' : 's'} sent before ${new Date(before).toISOString()}\n`,
        );
      } finally {
        await storage.close();
      }
    });
}
