// `super-server storage migrate --from <sqlite file or data dir> --to <postgres url>`: copies a
// SQLite database into an empty PostgreSQL database (the move to storage.driver postgres).
import type { Command } from 'commander';
import { StorageUnavailable } from '../storage/storage.ts';
import { fail } from './common.ts';

/** Adds the `storage` command group to the program. */
export function registerStorageCommand(program: Command): void {
  const storage = program.command('storage').description('manage the storage backend');
  storage
    .command('migrate')
    .description('copy a SQLite database into an empty PostgreSQL database (server stopped)')
    .requiredOption('--from <path>', 'the SQLite file, or the data directory holding it')
    .requiredOption('--to <url>', 'postgres://user:password@host:port/database')
    .action(async (opts: { from: string; to: string }) => {
      if (!/^postgres(ql)?:\/\//.test(opts.to)) fail('--to must be a postgres:// URL', 2);
      // Loaded only here: the other commands never load pg.
      const { CopyRefused, copySqliteToPostgres } = await import(
        '../storage/postgres/copy-from-sqlite.ts'
      );
      try {
        const counts = await copySqliteToPostgres(opts.from, opts.to);
        const summary = [...counts].map(([table, n]) => `${table} ${n}`).join(', ');
        process.stdout.write(`copied ${summary}\n`);
      } catch (err) {
        // The URL may hold a password: the messages below never include it.
        if (err instanceof CopyRefused || err instanceof StorageUnavailable) fail(err.message);
        throw err;
      }
    });
}
