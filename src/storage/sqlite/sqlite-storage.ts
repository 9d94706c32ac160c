// Storage on an embedded SQLite file through better-sqlite3 (WAL, prepared statements):
// opening and migrating the file here; each table group's statements in its own module
// (accounts.ts, codes.ts, audit.ts, conversations.ts, groups.ts, identities.ts,
// login-codes.ts), which SqliteStorage joins.
import Database from 'better-sqlite3';
import type {
  AuditEntry,
  AuditRecord,
  CodePurpose,
  EmailCode,
  NewUser,
  Storage,
  UniqueField,
  UserRecord,
} from '../storage.ts';
import { SqliteAccounts } from './accounts.ts';
import { SqliteAudit } from './audit.ts';
import { Checkpointer } from './checkpointer.ts';
import { SqliteCodes } from './codes.ts';
import { SqliteConversations } from './conversations.ts';
import { DataDirError, explainSqliteOpenError, prepareDatabaseFile } from './data-dir.ts';
import { SqliteGroups } from './groups.ts';
import { SqliteIdentities } from './identities.ts';
import { SqliteLoginCodes } from './login-codes.ts';
import { MIGRATIONS } from './migrations.ts';

/** How hard a commit is made durable: `normal` survives a killed process, `full` power loss too. */
export type SyncMode = 'normal' | 'full';

/** How the server opens its database; the CLI commands take the defaults. */
export interface SqliteOptions {
  sync?: SyncMode;
  /** Checkpoint the WAL in a background thread instead of inside commits (the server). */
  backgroundCheckpoints?: boolean;
}

/**
 * Opens (creating if needed, directory 0700, files 0600) the database file and
 * brings its schema up to date; DataDirError names the path when it cannot.
 * `options` may be just the sync mode.
 */
export function openSqliteStorage(
  file: string,
  options: SqliteOptions | SyncMode = {},
): SqliteStorage {
  const { sync, backgroundCheckpoints } =
    typeof options === 'string' ? { sync: options, backgroundCheckpoints: false } : options;
  if (file !== ':memory:') prepareDatabaseFile(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, file);
  } catch (err) {
    if (db?.open) db.close();
    if (err instanceof DataDirError) throw err;
    const why = explainSqliteOpenError(err, file);
    throw why === undefined ? err : new DataDirError(why);
  }
  const background = backgroundCheckpoints === true && file !== ':memory:';
  if (background) db.pragma('wal_autocheckpoint = 0');
  // Should the thread die, commits checkpoint by themselves again (SQLite's default).
  const opened = db;
  const fallBack = () => {
    if (opened.open) opened.pragma('wal_autocheckpoint = 1000');
  };
  return new SqliteStorage(db, background ? new Checkpointer(file, fallBack) : undefined);
}

function migrate(db: Database.Database, file: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const refuseNewer = (current: number) => {
    if (current <= MIGRATIONS.length) return;
    throw new DataDirError(
      `${file}: schema version ${current} is newer than this server's (${MIGRATIONS.length}): ` +
        'it was written by a newer super-server; run that version, or restore a backup',
    );
  };
  refuseNewer(version());
  if (version() === MIGRATIONS.length) return;
  // The version is read again under the write lock: processes starting together
  // (--workers N) migrate once, and the others find the work done.
  db.transaction(() => {
    const current = version();
    refuseNewer(current);
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

/** The SQLite implementation of Storage: one database, its parts by concern. */
export class SqliteStorage implements Storage {
  readonly conversations: SqliteConversations;
  readonly groups: SqliteGroups;
  readonly identities: SqliteIdentities;
  readonly loginCodes: SqliteLoginCodes;
  private readonly accounts: SqliteAccounts;
  private readonly codes: SqliteCodes;
  private readonly audit: SqliteAudit;

  constructor(
    private readonly db: Database.Database,
    /** The background checkpoint thread, when the server runs one. */
    readonly checkpointer?: Checkpointer,
  ) {
    this.conversations = new SqliteConversations(db);
    this.groups = new SqliteGroups(db, (key) => this.conversations.forget(key));
    this.codes = new SqliteCodes(db);
    this.identities = new SqliteIdentities(db);
    this.loginCodes = new SqliteLoginCodes(db);
    this.accounts = new SqliteAccounts(db, this.codes, this.identities);
    this.audit = new SqliteAudit(db);
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    return this.accounts.createUser(user);
  }

  async findUserByName(username: string): Promise<UserRecord | undefined> {
    return this.accounts.findUserByName(username);
  }

  async findUserById(id: number): Promise<UserRecord | undefined> {
    return this.accounts.findUserById(id);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    return this.accounts.findUserByEmail(email);
  }

  async isTaken(field: UniqueField, value: string): Promise<boolean> {
    return this.accounts.isTaken(field, value);
  }

  async setLevel(id: number, level: string, protectedLevel: string): Promise<void> {
    this.accounts.setLevel(id, level, protectedLevel);
  }

  async deleteUser(id: number, at: number, protectedLevel: string): Promise<void> {
    this.accounts.deleteUser(id, at, protectedLevel);
  }

  async releaseDeletedNames(before: number): Promise<number> {
    return this.accounts.releaseDeletedNames(before);
  }

  async setBan(
    id: number,
    ban: { at: number; reason: string | null } | null,
    protectedLevel: string,
  ): Promise<void> {
    this.accounts.setBan(id, ban, protectedLevel);
  }

  async recordLoginFailure(id: number, at: number): Promise<number> {
    return this.accounts.recordLoginFailure(id, at);
  }

  async resetLoginFailures(id: number): Promise<void> {
    this.accounts.resetLoginFailures(id);
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    this.accounts.setPasswordHash(id, passwordHash);
  }

  async activateUser(userId: number): Promise<void> {
    this.accounts.activateUser(userId);
  }

  async deleteExpiredPending(now: number): Promise<number> {
    return this.accounts.deleteExpiredPending(now);
  }

  async listAuditNewest(query: {
    before?: number;
    since?: string;
    limit: number;
  }): Promise<AuditRecord[]> {
    return this.audit.listAuditNewest(query);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.accounts.listUsers();
  }

  async saveCode(purpose: CodePurpose, userId: number, code: EmailCode): Promise<void> {
    this.codes.saveCode(purpose, userId, code);
  }

  async findCode(purpose: CodePurpose, userId: number): Promise<EmailCode | undefined> {
    return this.codes.findCode(purpose, userId);
  }

  async spendCodeAttempt(purpose: CodePurpose, userId: number): Promise<number> {
    return this.codes.spendCodeAttempt(purpose, userId);
  }

  async dropCode(purpose: CodePurpose, userId: number): Promise<void> {
    this.codes.dropCode(purpose, userId);
  }

  async appendAudit(entries: readonly AuditEntry[]): Promise<void> {
    this.audit.appendAudit(entries);
  }

  async listAudit(query: { since?: string; limit?: number }): Promise<AuditRecord[]> {
    return this.audit.listAudit(query);
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}
