// Storage on an embedded SQLite file through better-sqlite3 (WAL, prepared statements).
import Database from 'better-sqlite3';
import {
  type AuditEntry,
  type AuditRecord,
  type CodePurpose,
  type EmailCode,
  LastHolderError,
  type NewUser,
  type Storage,
  type UniqueField,
  UniqueViolation,
  type UserRecord,
  usernameKey,
} from '../storage.ts';
import { Checkpointer } from './checkpointer.ts';
import { SqliteConversations } from './conversations.ts';
import { DataDirError, explainSqliteOpenError, prepareDatabaseFile } from './data-dir.ts';
import { SqliteGroups } from './groups.ts';
import { MIGRATIONS } from './migrations.ts';

interface UserRow {
  id: number;
  username: string;
  email: string;
  phone: string | null;
  password_hash: string;
  level: string;
  created_at: string;
  failed_logins: number;
  last_failed_at: number | null;
  pending_until: number | null;
  banned_at: number | null;
  ban_reason: string | null;
  deleted_at: number | null;
}

interface EmailCodeRow {
  code_hash: string;
  expires_at: number;
  attempts_left: number;
}

const COLUMNS =
  'id, username, email, phone, password_hash, level, created_at, failed_logins, last_failed_at, pending_until, banned_at, ban_reason, deleted_at';

/** How hard a commit is made durable: `normal` survives a killed process, `full` power loss too. */
export type SyncMode = 'normal' | 'full';

/** How the server opens its database; the CLI commands take the defaults. */
export interface SqliteOptions {
  sync?: SyncMode;
  /** Checkpoint the WAL in a background thread instead of inside commits (the server). */
  backgroundCheckpoints?: boolean;
}

// Deleted accounts are invisible to lookups; only listUsers shows them.
const LIVE = 'deleted_at IS NULL';
// The users who can hold a protected level: not deleted, not banned.
const ACTIVE = 'deleted_at IS NULL AND banned_at IS NULL';

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

/** The SQLite implementation of Storage. */
export class SqliteStorage implements Storage {
  readonly conversations: SqliteConversations;
  readonly groups: SqliteGroups;
  private readonly joinGlobal;
  private readonly leaveGroups;
  private readonly insert;
  private readonly byKey;
  private readonly byId;
  private readonly byEmail;
  private readonly byEmailRow;
  private readonly byPhone;
  private readonly countLevel;
  private readonly updateLevel;
  private readonly all;
  private readonly updateHash;
  private readonly addFailure;
  private readonly clearFailures;
  private readonly upsertCode;
  private readonly codeOf;
  private readonly spendCode;
  private readonly activate;
  private readonly deleteCode;
  private readonly dropExpired;
  private readonly eraseUser;
  private readonly dropCodes;
  private readonly releaseNames;
  private readonly updateBan;
  private readonly insertAudit;
  private readonly auditSince;
  private readonly auditNewest;

  constructor(
    private readonly db: Database.Database,
    /** The background checkpoint thread, when the server runs one. */
    readonly checkpointer?: Checkpointer,
  ) {
    this.conversations = new SqliteConversations(db);
    this.groups = new SqliteGroups(db, (key) => this.conversations.forget(key));
    // At the group's current position: a new member gets no backlog.
    this.joinGlobal = db.prepare<[number]>(
      `INSERT OR IGNORE INTO conv_members (user_id, conv_id, delivered_seq, read_seq, role)
       SELECT ?, id, last_seq, last_seq, 'member' FROM conversations WHERE key = '#global'`,
    );
    this.leaveGroups = db.prepare<[number]>(
      `DELETE FROM conv_members WHERE user_id = ? AND role IS NOT NULL`,
    );
    this.insert = db.prepare<
      [string, string, string, string | null, string, string, string, number | null],
      UserRow
    >(
      `INSERT INTO users
         (username, username_key, email, phone, password_hash, level, created_at, pending_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    );
    this.byKey = db.prepare<[string], UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE username_key = ? AND ${LIVE}`,
    );
    this.byId = db.prepare<[number], UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE id = ? AND ${LIVE}`,
    );
    this.byEmail = db.prepare<[string], { id: number }>(
      `SELECT id FROM users WHERE email = ? AND ${LIVE}`,
    );
    this.byEmailRow = db.prepare<[string], UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE email = ? AND ${LIVE}`,
    );
    this.byPhone = db.prepare<[string], { id: number }>('SELECT id FROM users WHERE phone = ?');
    this.countLevel = db.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM users WHERE level = ? AND ${ACTIVE}`,
    );
    this.updateLevel = db.prepare<[string, number]>('UPDATE users SET level = ? WHERE id = ?');
    this.all = db.prepare<[], UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY id`);
    this.addFailure = db.prepare<[number, number], { failed_logins: number }>(
      `UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE id = ?
       RETURNING failed_logins`,
    );
    this.clearFailures = db.prepare<[number]>(
      'UPDATE users SET failed_logins = 0, last_failed_at = NULL WHERE id = ?',
    );
    this.updateHash = db.prepare<[string, number]>(
      'UPDATE users SET password_hash = ? WHERE id = ?',
    );
    this.upsertCode = db.prepare<[number, CodePurpose, string, number, number]>(
      `INSERT INTO codes (user_id, purpose, code_hash, expires_at, attempts_left)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash,
         expires_at = excluded.expires_at, attempts_left = excluded.attempts_left`,
    );
    this.codeOf = db.prepare<[number, CodePurpose], EmailCodeRow>(
      'SELECT code_hash, expires_at, attempts_left FROM codes WHERE user_id = ? AND purpose = ?',
    );
    this.spendCode = db.prepare<[number, CodePurpose], { attempts_left: number }>(
      `UPDATE codes SET attempts_left = max(attempts_left - 1, 0)
       WHERE user_id = ? AND purpose = ? RETURNING attempts_left`,
    );
    this.activate = db.prepare<[number]>('UPDATE users SET pending_until = NULL WHERE id = ?');
    this.deleteCode = db.prepare<[number, CodePurpose]>(
      'DELETE FROM codes WHERE user_id = ? AND purpose = ?',
    );
    this.eraseUser = db.prepare<[number, number]>(
      `UPDATE users SET deleted_at = ?, email = '', phone = NULL, password_hash = '',
         failed_logins = 0, last_failed_at = NULL, pending_until = NULL
       WHERE id = ? AND ${LIVE}`,
    );
    this.dropCodes = db.prepare<[number]>('DELETE FROM codes WHERE user_id = ?');
    // Usernames never contain ':', so the freed key can never collide with a real one.
    this.releaseNames = db.prepare<[number]>(
      `UPDATE users SET username_key = 'deleted:' || id
       WHERE deleted_at IS NOT NULL AND deleted_at < ? AND username_key NOT LIKE 'deleted:%'`,
    );
    this.updateBan = db.prepare<[number | null, string | null, number]>(
      `UPDATE users SET banned_at = ?, ban_reason = ? WHERE id = ? AND ${LIVE}`,
    );
    this.insertAudit = db.prepare<
      [string, string | null, string, string | null, string, string | null, string | null]
    >(
      `INSERT INTO audit (at, actor, action, target, outcome, detail, address)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.auditSince = db.prepare<[string, number], AuditRecord>(
      `SELECT id, at, actor, action, target, outcome, detail, address FROM audit
       WHERE at >= ? ORDER BY id LIMIT ?`,
    );
    this.auditNewest = db.prepare<[number, string, number], AuditRecord>(
      `SELECT id, at, actor, action, target, outcome, detail, address FROM audit
       WHERE id < ? AND at >= ? ORDER BY id DESC LIMIT ?`,
    );
    this.dropExpired = db.prepare<[number]>(
      `DELETE FROM users WHERE pending_until IS NOT NULL AND pending_until < ? AND ${LIVE}`,
    );
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    try {
      return this.db.transaction(() => {
        const row = this.insert.get(
          user.username,
          usernameKey(user.username),
          user.email,
          user.phone,
          user.passwordHash,
          user.level,
          user.createdAt,
          user.pendingUntil,
        ) as UserRow;
        if (row.pending_until === null) this.joinGlobal.run(row.id);
        return toRecord(row);
      })();
    } catch (err) {
      throw uniqueViolation(err) ?? err;
    }
  }

  async findUserByName(username: string): Promise<UserRecord | undefined> {
    const row = this.byKey.get(usernameKey(username));
    return row && toRecord(row);
  }

  async findUserById(id: number): Promise<UserRecord | undefined> {
    const row = this.byId.get(id);
    return row && toRecord(row);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const row = this.byEmailRow.get(email);
    return row && toRecord(row);
  }

  async isTaken(field: UniqueField, value: string): Promise<boolean> {
    if (field === 'username') return this.byKey.get(usernameKey(value)) !== undefined;
    const stmt = field === 'email' ? this.byEmail : this.byPhone;
    return stmt.get(value) !== undefined;
  }

  async setLevel(id: number, level: string, protectedLevel: string): Promise<void> {
    this.db
      .transaction(() => {
        const user = this.byId.get(id);
        if (!user) return;
        if (level !== protectedLevel) this.guardLastHolder(user, protectedLevel, 'demoted');
        this.updateLevel.run(level, id);
      })
      .immediate();
  }

  async deleteUser(id: number, at: number, protectedLevel: string): Promise<void> {
    this.db
      .transaction(() => {
        const user = this.byId.get(id);
        if (!user) return;
        this.guardLastHolder(user, protectedLevel, 'deleted');
        this.eraseUser.run(at, id);
        this.dropCodes.run(id);
        this.leaveGroups.run(id);
      })
      .immediate();
  }

  async releaseDeletedNames(before: number): Promise<number> {
    return this.releaseNames.run(before).changes;
  }

  async setBan(
    id: number,
    ban: { at: number; reason: string | null } | null,
    protectedLevel: string,
  ): Promise<void> {
    this.db
      .transaction(() => {
        const user = this.byId.get(id);
        if (!user) return;
        if (ban) this.guardLastHolder(user, protectedLevel, 'banned');
        this.updateBan.run(ban?.at ?? null, ban?.reason ?? null, id);
      })
      .immediate();
  }

  /** Throws LastHolderError when `user` is the last active holder of `level` (call in a transaction). */
  private guardLastHolder(user: UserRow, level: string, what: string): void {
    const active = user.banned_at === null;
    if (active && user.level === level && (this.countLevel.get(level)?.n ?? 0) <= 1) {
      throw new LastHolderError(`the last ${level} cannot be ${what}`);
    }
  }

  async recordLoginFailure(id: number, at: number): Promise<number> {
    return this.addFailure.get(at, id)?.failed_logins ?? 0;
  }

  async resetLoginFailures(id: number): Promise<void> {
    this.clearFailures.run(id);
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    this.updateHash.run(passwordHash, id);
  }

  async saveCode(purpose: CodePurpose, userId: number, code: EmailCode): Promise<void> {
    this.upsertCode.run(userId, purpose, code.codeHash, code.expiresAt, code.attemptsLeft);
  }

  async findCode(purpose: CodePurpose, userId: number): Promise<EmailCode | undefined> {
    const row = this.codeOf.get(userId, purpose);
    return (
      row && { codeHash: row.code_hash, expiresAt: row.expires_at, attemptsLeft: row.attempts_left }
    );
  }

  async spendCodeAttempt(purpose: CodePurpose, userId: number): Promise<number> {
    return this.spendCode.get(userId, purpose)?.attempts_left ?? 0;
  }

  async dropCode(purpose: CodePurpose, userId: number): Promise<void> {
    this.deleteCode.run(userId, purpose);
  }

  async activateUser(userId: number): Promise<void> {
    this.db.transaction(() => {
      this.activate.run(userId);
      this.deleteCode.run(userId, 'confirm');
      this.joinGlobal.run(userId);
    })();
  }

  async deleteExpiredPending(now: number): Promise<number> {
    // email_codes rows go with their user (ON DELETE CASCADE).
    return this.dropExpired.run(now).changes;
  }

  async appendAudit(entries: readonly AuditEntry[]): Promise<void> {
    this.db.transaction(() => {
      for (const e of entries) {
        this.insertAudit.run(e.at, e.actor, e.action, e.target, e.outcome, e.detail, e.address);
      }
    })();
  }

  async listAudit(query: { since?: string; limit?: number }): Promise<AuditRecord[]> {
    return this.auditSince.all(query.since ?? '', query.limit ?? -1);
  }

  async listAuditNewest(query: {
    before?: number;
    since?: string;
    limit: number;
  }): Promise<AuditRecord[]> {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    return this.auditNewest.all(before, query.since ?? '', query.limit);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.all.all().map(toRecord);
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    phone: row.phone,
    passwordHash: row.password_hash,
    level: row.level,
    createdAt: row.created_at,
    failedLogins: row.failed_logins,
    lastFailedAt: row.last_failed_at,
    pendingUntil: row.pending_until,
    bannedAt: row.banned_at,
    banReason: row.ban_reason,
    deletedAt: row.deleted_at,
  };
}

/** Maps SQLite's "UNIQUE constraint failed: users.<column>" to the field it names. */
function uniqueViolation(err: unknown): UniqueViolation | undefined {
  const e = err as { code?: string; message?: string };
  if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' || !e.message) return undefined;
  if (e.message.includes('users.username_key')) return new UniqueViolation('username');
  if (e.message.includes('users.email')) return new UniqueViolation('email');
  if (e.message.includes('users.phone')) return new UniqueViolation('phone');
  return undefined;
}
