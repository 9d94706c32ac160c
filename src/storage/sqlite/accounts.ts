// Accounts on SQLite (the users table): creating, finding, levels, bans, login
// failures, confirmation and deletion. A change that spans tables (joining #global,
// dropping codes, leaving groups) is one transaction.
import type Database from 'better-sqlite3';
import {
  ACTIVE,
  USER_COLUMNS as COLUMNS,
  LIVE,
  toUser as toRecord,
  type UserRow,
} from '../sql-rows.ts';
import {
  LastHolderError,
  type NewUser,
  type UniqueField,
  UniqueViolation,
  type UserRecord,
  usernameKey,
} from '../storage.ts';
import type { SqliteCodes } from './codes.ts';
import type { SqliteIdentities } from './identities.ts';

/** The accounts part of SqliteStorage; deleting and confirming also drop the user's codes. */
export class SqliteAccounts {
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
  private readonly activate;
  private readonly dropExpired;
  private readonly eraseUser;
  private readonly releaseNames;
  private readonly updateBan;

  constructor(
    private readonly db: Database.Database,
    private readonly codes: SqliteCodes,
    private readonly identities: SqliteIdentities,
  ) {
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
    this.activate = db.prepare<[number]>('UPDATE users SET pending_until = NULL WHERE id = ?');
    this.eraseUser = db.prepare<[number, number]>(
      `UPDATE users SET deleted_at = ?, email = '', phone = NULL, password_hash = '',
         failed_logins = 0, last_failed_at = NULL, pending_until = NULL
       WHERE id = ? AND ${LIVE}`,
    );
    // Usernames never contain ':', so the freed key can never collide with a real one.
    this.releaseNames = db.prepare<[number]>(
      `UPDATE users SET username_key = 'deleted:' || id
       WHERE deleted_at IS NOT NULL AND deleted_at < ? AND username_key NOT LIKE 'deleted:%'`,
    );
    this.updateBan = db.prepare<[number | null, string | null, number]>(
      `UPDATE users SET banned_at = ?, ban_reason = ? WHERE id = ? AND ${LIVE}`,
    );
    this.dropExpired = db.prepare<[number]>(
      `DELETE FROM users WHERE pending_until IS NOT NULL AND pending_until < ? AND ${LIVE}`,
    );
  }

  createUser(user: NewUser): UserRecord {
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
        if (user.identity) this.identities.insert(row.id, user.identity);
        if (row.pending_until === null) this.joinGlobal.run(row.id);
        return toRecord(row);
      })();
    } catch (err) {
      throw uniqueViolation(err) ?? err;
    }
  }

  findUserByName(username: string): UserRecord | undefined {
    const row = this.byKey.get(usernameKey(username));
    return row && toRecord(row);
  }

  findUserById(id: number): UserRecord | undefined {
    const row = this.byId.get(id);
    return row && toRecord(row);
  }

  findUserByEmail(email: string): UserRecord | undefined {
    const row = this.byEmailRow.get(email);
    return row && toRecord(row);
  }

  isTaken(field: UniqueField, value: string): boolean {
    if (field === 'username') return this.byKey.get(usernameKey(value)) !== undefined;
    const stmt = field === 'email' ? this.byEmail : this.byPhone;
    return stmt.get(value) !== undefined;
  }

  setLevel(id: number, level: string, protectedLevel: string): void {
    this.db
      .transaction(() => {
        const user = this.byId.get(id);
        if (!user) return;
        if (level !== protectedLevel) this.guardLastHolder(user, protectedLevel, 'demoted');
        this.updateLevel.run(level, id);
      })
      .immediate();
  }

  deleteUser(id: number, at: number, protectedLevel: string): void {
    this.db
      .transaction(() => {
        const user = this.byId.get(id);
        if (!user) return;
        this.guardLastHolder(user, protectedLevel, 'deleted');
        this.eraseUser.run(at, id);
        this.codes.dropAllCodes(id);
        this.identities.dropForUser(id);
        this.leaveGroups.run(id);
      })
      .immediate();
  }

  releaseDeletedNames(before: number): number {
    return this.releaseNames.run(before).changes;
  }

  setBan(
    id: number,
    ban: { at: number; reason: string | null } | null,
    protectedLevel: string,
  ): void {
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

  recordLoginFailure(id: number, at: number): number {
    return this.addFailure.get(at, id)?.failed_logins ?? 0;
  }

  resetLoginFailures(id: number): void {
    this.clearFailures.run(id);
  }

  setPasswordHash(id: number, passwordHash: string): void {
    this.updateHash.run(passwordHash, id);
  }

  activateUser(userId: number): void {
    this.db.transaction(() => {
      this.activate.run(userId);
      this.codes.dropCode('confirm', userId);
      this.joinGlobal.run(userId);
    })();
  }

  deleteExpiredPending(now: number): number {
    // email_codes rows go with their user (ON DELETE CASCADE).
    return this.dropExpired.run(now).changes;
  }

  listUsers(): UserRecord[] {
    return this.all.all().map(toRecord);
  }
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
