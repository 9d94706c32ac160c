// `storage migrate`: copies a SQLite database into an empty PostgreSQL one, every table
// with its ids, in one transaction, then moves the id sequences past the copied ids.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStorage } from '../sqlite/sqlite-storage.ts';
import { PgDb, type Queryable } from './db.ts';
import { migrate } from './migrations.ts';

/** A table to copy: its columns with their PostgreSQL types, and its id sequence if it has one. */
interface TableCopy {
  name: string;
  columns: ReadonlyArray<readonly [string, string]>;
  /** The SQLite expression of each column where it differs from the name (client_ids' rowid). */
  source?: Readonly<Record<string, string>>;
  serial?: boolean;
}

const TEXT = 'text';
const BIG = 'bigint';
const INT = 'int';

/** The tables in an order that satisfies codes' foreign key to users. */
const TABLES: readonly TableCopy[] = [
  {
    name: 'meta',
    columns: [
      ['key', TEXT],
      ['value', TEXT],
    ],
  },
  {
    name: 'users',
    serial: true,
    columns: [
      ['id', BIG],
      ['username', TEXT],
      ['username_key', TEXT],
      ['email', TEXT],
      ['phone', TEXT],
      ['password_hash', TEXT],
      ['level', TEXT],
      ['created_at', TEXT],
      ['failed_logins', INT],
      ['last_failed_at', BIG],
      ['pending_until', BIG],
      ['deleted_at', BIG],
      ['banned_at', BIG],
      ['ban_reason', TEXT],
    ],
  },
  {
    name: 'codes',
    columns: [
      ['user_id', BIG],
      ['purpose', TEXT],
      ['code_hash', TEXT],
      ['expires_at', BIG],
      ['attempts_left', INT],
    ],
  },
  {
    name: 'audit',
    serial: true,
    columns: [
      ['id', BIG],
      ['at', TEXT],
      ['actor', TEXT],
      ['action', TEXT],
      ['target', TEXT],
      ['outcome', TEXT],
      ['detail', TEXT],
      ['address', TEXT],
    ],
  },
  {
    name: 'conversations',
    serial: true,
    columns: [
      ['id', BIG],
      ['key', TEXT],
      ['kind', TEXT],
      ['last_seq', BIG],
      ['last_at', BIG],
    ],
  },
  {
    name: 'conv_members',
    columns: [
      ['user_id', BIG],
      ['conv_id', BIG],
      ['delivered_seq', BIG],
      ['read_seq', BIG],
      ['role', TEXT],
    ],
  },
  {
    name: 'messages',
    columns: [
      ['conv_id', BIG],
      ['seq', BIG],
      ['sender_id', BIG],
      ['text', TEXT],
      ['sent_at', BIG],
      ['client_id', TEXT],
    ],
  },
  {
    name: 'client_ids',
    serial: true,
    source: { id: 'rowid' },
    columns: [
      ['id', BIG],
      ['sender_id', BIG],
      ['client_id', TEXT],
      ['conv_id', BIG],
      ['seq', BIG],
      ['at', BIG],
      ['delivered', INT],
    ],
  },
  {
    name: 'groups',
    columns: [
      ['conv_id', BIG],
      ['name', TEXT],
      ['visibility', TEXT],
      ['created_at', BIG],
    ],
  },
  {
    name: 'group_bans',
    columns: [
      ['conv_id', BIG],
      ['user_id', BIG],
      ['at', BIG],
    ],
  },
  {
    name: 'group_invites',
    columns: [
      ['conv_id', BIG],
      ['user_id', BIG],
      ['at', BIG],
    ],
  },
  {
    name: 'identities',
    columns: [
      ['issuer', TEXT],
      ['subject', TEXT],
      ['user_id', BIG],
      ['provider', TEXT],
      ['email', TEXT],
      ['linked_at', BIG],
    ],
  },
];

/** Rows per multi-row INSERT. */
const CHUNK = 2_000;

/** Thrown when the copy cannot start (no such SQLite file, a PostgreSQL database in use). */
export class CopyRefused extends Error {
  override name = 'CopyRefused';
}

/** The SQLite file of `from`: the file itself, or super-server.db in a data directory. */
export function sqliteFileOf(from: string): string {
  const file =
    existsSync(from) && statSync(from).isDirectory() ? join(from, 'super-server.db') : from;
  if (!existsSync(file)) throw new CopyRefused(`${file}: no such SQLite database`);
  return file;
}

/**
 * Copies the SQLite database `from` (a file or data directory; brought up to date first) into
 * the PostgreSQL database at `to`, which must hold no accounts or messages. Returns rows per table.
 */
export async function copySqliteToPostgres(from: string, to: string): Promise<Map<string, number>> {
  const file = sqliteFileOf(from);
  await openSqliteStorage(file).close();
  const source = new Database(file, { readonly: true, fileMustExist: true });
  const db = new PgDb({ url: to, poolMax: 1 });
  try {
    await migrate(db.pool);
    return await db.tx(async (t) => {
      const { rows } = await t.q<{ n: number }>(
        'SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM messages) AS n',
      );
      if ((rows[0]?.n ?? 0) > 0) {
        throw new CopyRefused('the PostgreSQL database already holds accounts or messages');
      }
      // What the schema put there (#global, the epoch) is replaced by the copy's own.
      for (const table of [...TABLES].reverse()) await t.q(`DELETE FROM ${table.name}`);
      const counts = new Map<string, number>();
      for (const table of TABLES) counts.set(table.name, await copyTable(source, t, table));
      return counts;
    });
  } finally {
    source.close();
    await db.close();
  }
}

/** Copies one table in chunks; moves its id sequence past the copied ids. */
async function copyTable(
  source: Database.Database,
  t: Queryable,
  table: TableCopy,
): Promise<number> {
  const names = table.columns.map(([name]) => name);
  const select = names.map((n) => `${table.source?.[n] ?? n} AS ${n}`).join(', ');
  const casts = table.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const insert = `INSERT INTO ${table.name} (${names.join(', ')}) SELECT * FROM unnest(${casts})`;
  let chunk: Array<Record<string, unknown>> = [];
  let copied = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await t.q(
      insert,
      names.map((n) => chunk.map((row) => row[n] ?? null)),
    );
    copied += chunk.length;
    chunk = [];
  };
  const rows = source.prepare(`SELECT ${select} FROM ${table.name}`).iterate();
  for (const row of rows as Iterable<Record<string, unknown>>) {
    chunk.push(row);
    if (chunk.length >= CHUNK) await flush();
  }
  await flush();
  if (table.serial) {
    await t.q(
      `SELECT setval(pg_get_serial_sequence('${table.name}', 'id'),
         greatest((SELECT max(id) FROM ${table.name}), 1),
         (SELECT max(id) FROM ${table.name}) IS NOT NULL)`,
    );
  }
  return copied;
}
