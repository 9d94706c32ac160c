// Storage on PostgreSQL through a pg Pool: the same semantics as the SQLite storage (the
// reference), each method one statement or one transaction. Accounts here; conversations,
// groups and identities beside it.

import {
  ACTIVE,
  USER_COLUMNS as COLUMNS,
  LIVE,
  toUser as toRecord,
  type UserRow,
} from '../sql-rows.ts';
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
import { PgConversations } from './conversations.ts';
import { PgDb, type PostgresOptions, type Queryable } from './db.ts';
import { PgGroups } from './groups.ts';
import { insertIdentity, PgIdentities } from './identities.ts';
import { PgLoginCodes } from './login-codes.ts';
import { migrate } from './migrations.ts';

// At the group's current position: a new member gets no backlog.
const JOIN_GLOBAL = `INSERT INTO conv_members (user_id, conv_id, delivered_seq, read_seq, role)
  SELECT $1, id, last_seq, last_seq, 'member' FROM conversations WHERE key = '#global'
  ON CONFLICT DO NOTHING`;
/** Serialises the changes that guard the last holder of a level (two admins demoting each other). */
const LEVEL_LOCK = 7_715_016;

/** Connects, brings the schema up to date (once per cluster) and returns the storage. */
export async function openPostgresStorage(options: PostgresOptions): Promise<PostgresStorage> {
  const db = new PgDb(options);
  try {
    await migrate(db.pool);
  } catch (err) {
    await db.close();
    throw err;
  }
  return new PostgresStorage(db);
}

/** The PostgreSQL implementation of Storage. */
export class PostgresStorage implements Storage {
  readonly conversations: PgConversations;
  readonly groups: PgGroups;
  readonly identities: PgIdentities;
  readonly loginCodes: PgLoginCodes;

  constructor(private readonly db: PgDb) {
    this.conversations = new PgConversations(db);
    this.groups = new PgGroups(db);
    this.identities = new PgIdentities(db);
    this.loginCodes = new PgLoginCodes(db);
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    try {
      return await this.db.tx(async (t) => {
        const { rows } = await t.q<UserRow>(
          `INSERT INTO users
             (username, username_key, email, phone, password_hash, level, created_at, pending_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
          [
            user.username,
            usernameKey(user.username),
            user.email,
            user.phone,
            user.passwordHash,
            user.level,
            user.createdAt,
            user.pendingUntil,
          ],
        );
        const row = rows[0] as UserRow;
        if (user.identity) await insertIdentity(t, row.id, user.identity);
        if (row.pending_until === null) await t.q(JOIN_GLOBAL, [row.id]);
        return toRecord(row);
      });
    } catch (err) {
      throw uniqueViolation(err) ?? err;
    }
  }

  async findUserByName(username: string): Promise<UserRecord | undefined> {
    return this.oneUser('username_key', usernameKey(username));
  }

  async findUserById(id: number): Promise<UserRecord | undefined> {
    return this.oneUser('id', id);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    return this.oneUser('email', email);
  }

  private async oneUser(
    column: 'id' | 'username_key' | 'email',
    value: unknown,
    on: Queryable = this.db,
  ): Promise<UserRecord | undefined> {
    const { rows } = await on.q<UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE ${column} = $1 AND ${LIVE}`,
      [value],
      `user_by_${column}`,
    );
    return rows[0] && toRecord(rows[0]);
  }

  async isTaken(field: UniqueField, value: string): Promise<boolean> {
    if (field === 'username') return (await this.findUserByName(value)) !== undefined;
    const where = field === 'email' ? `email = $1 AND ${LIVE}` : 'phone = $1';
    return (await this.db.q(`SELECT 1 FROM users WHERE ${where}`, [value])).rowCount !== 0;
  }

  async setLevel(id: number, level: string, protectedLevel: string): Promise<void> {
    await this.guarded(id, protectedLevel, level !== protectedLevel && 'demoted', (t) =>
      t.q('UPDATE users SET level = $1 WHERE id = $2', [level, id]),
    );
  }

  async deleteUser(id: number, at: number, protectedLevel: string): Promise<void> {
    await this.guarded(id, protectedLevel, 'deleted', async (t) => {
      await t.q(
        `UPDATE users SET deleted_at = $1, email = '', phone = NULL, password_hash = '',
           failed_logins = 0, last_failed_at = NULL, pending_until = NULL
         WHERE id = $2 AND ${LIVE}`,
        [at, id],
      );
      await t.q('DELETE FROM codes WHERE user_id = $1', [id]);
      await t.q('DELETE FROM identities WHERE user_id = $1', [id]);
      await t.q('DELETE FROM conv_members WHERE user_id = $1 AND role IS NOT NULL', [id]);
    });
  }

  async setBan(
    id: number,
    ban: { at: number; reason: string | null } | null,
    protectedLevel: string,
  ): Promise<void> {
    await this.guarded(id, protectedLevel, ban !== null && 'banned', (t) =>
      t.q(`UPDATE users SET banned_at = $1, ban_reason = $2 WHERE id = $3 AND ${LIVE}`, [
        ban?.at ?? null,
        ban?.reason ?? null,
        id,
      ]),
    );
  }

  /**
   * Runs `change` on a live user in one transaction, first refusing (LastHolderError) when
   * `what` is set and the user is the last active holder of `level`.
   */
  private async guarded(
    id: number,
    level: string,
    what: string | false,
    change: (t: Queryable) => Promise<unknown>,
  ): Promise<void> {
    await this.db.tx(async (t) => {
      await t.q('SELECT pg_advisory_xact_lock($1)', [LEVEL_LOCK]);
      const user = await this.oneUser('id', id, t);
      if (!user) return;
      if (what && user.bannedAt === null && user.level === level) {
        const { rows } = await t.q<{ n: number }>(
          `SELECT count(*) AS n FROM users WHERE level = $1 AND ${ACTIVE}`,
          [level],
        );
        if ((rows[0]?.n ?? 0) <= 1)
          throw new LastHolderError(`the last ${level} cannot be ${what}`);
      }
      await change(t);
    });
  }

  async releaseDeletedNames(before: number): Promise<number> {
    // Usernames never contain ':', so the freed key can never collide with a real one.
    const r = await this.db.q(
      `UPDATE users SET username_key = 'deleted:' || id
       WHERE deleted_at IS NOT NULL AND deleted_at < $1 AND username_key NOT LIKE 'deleted:%'`,
      [before],
    );
    return r.rowCount ?? 0;
  }

  async recordLoginFailure(id: number, at: number): Promise<number> {
    const { rows } = await this.db.q<{ failed_logins: number }>(
      `UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = $1 WHERE id = $2
       RETURNING failed_logins`,
      [at, id],
    );
    return rows[0]?.failed_logins ?? 0;
  }

  async resetLoginFailures(id: number): Promise<void> {
    await this.db.q('UPDATE users SET failed_logins = 0, last_failed_at = NULL WHERE id = $1', [
      id,
    ]);
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.db.q('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, id]);
  }

  async saveCode(purpose: CodePurpose, userId: number, code: EmailCode): Promise<void> {
    await this.db.q(
      `INSERT INTO codes (user_id, purpose, code_hash, expires_at, attempts_left)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash,
         expires_at = excluded.expires_at, attempts_left = excluded.attempts_left`,
      [userId, purpose, code.codeHash, code.expiresAt, code.attemptsLeft],
    );
  }

  async findCode(purpose: CodePurpose, userId: number): Promise<EmailCode | undefined> {
    const { rows } = await this.db.q<{
      code_hash: string;
      expires_at: number;
      attempts_left: number;
    }>(
      'SELECT code_hash, expires_at, attempts_left FROM codes WHERE user_id = $1 AND purpose = $2',
      [userId, purpose],
    );
    const row = rows[0];
    return (
      row && { codeHash: row.code_hash, expiresAt: row.expires_at, attemptsLeft: row.attempts_left }
    );
  }

  async spendCodeAttempt(purpose: CodePurpose, userId: number): Promise<number> {
    const { rows } = await this.db.q<{ attempts_left: number }>(
      `UPDATE codes SET attempts_left = greatest(attempts_left - 1, 0)
       WHERE user_id = $1 AND purpose = $2 RETURNING attempts_left`,
      [userId, purpose],
    );
    return rows[0]?.attempts_left ?? 0;
  }

  async dropCode(purpose: CodePurpose, userId: number): Promise<void> {
    await this.db.q('DELETE FROM codes WHERE user_id = $1 AND purpose = $2', [userId, purpose]);
  }

  async activateUser(userId: number): Promise<void> {
    await this.db.tx(async (t) => {
      await t.q('UPDATE users SET pending_until = NULL WHERE id = $1', [userId]);
      await t.q(`DELETE FROM codes WHERE user_id = $1 AND purpose = 'confirm'`, [userId]);
      await t.q(JOIN_GLOBAL, [userId]);
    });
  }

  async deleteExpiredPending(now: number): Promise<number> {
    // Their codes go with them (ON DELETE CASCADE).
    const r = await this.db.q(
      `DELETE FROM users WHERE pending_until IS NOT NULL AND pending_until < $1 AND ${LIVE}`,
      [now],
    );
    return r.rowCount ?? 0;
  }

  async appendAudit(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const col = (pick: (e: AuditEntry) => string | null) => entries.map(pick);
    await this.db.q(
      `INSERT INTO audit (at, actor, action, target, outcome, detail, address)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
      [
        col((e) => e.at),
        col((e) => e.actor),
        col((e) => e.action),
        col((e) => e.target),
        col((e) => e.outcome),
        col((e) => e.detail),
        col((e) => e.address),
      ],
      'audit_insert',
    );
  }

  async listAuditNewest(query: {
    before?: number;
    since?: string;
    limit: number;
  }): Promise<AuditRecord[]> {
    const { rows } = await this.db.q<AuditRecord>(
      `SELECT id, at, actor, action, target, outcome, detail, address FROM audit
       WHERE id < $1 AND at >= $2 ORDER BY id DESC LIMIT $3`,
      [query.before ?? Number.MAX_SAFE_INTEGER, query.since ?? '', query.limit],
    );
    return rows;
  }

  async listAudit(query: { since?: string; limit?: number }): Promise<AuditRecord[]> {
    const { rows } = await this.db.q<AuditRecord>(
      `SELECT id, at, actor, action, target, outcome, detail, address FROM audit
       WHERE at >= $1 ORDER BY id LIMIT $2`,
      [query.since ?? '', query.limit ?? null],
    );
    return rows;
  }

  async listUsers(): Promise<UserRecord[]> {
    const { rows } = await this.db.q<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY id`);
    return rows.map(toRecord);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** Maps a unique_violation (23505) on a users index to the field it guards. */
function uniqueViolation(err: unknown): UniqueViolation | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e?.code !== '23505') return undefined;
  if (e.constraint === 'users_username_key') return new UniqueViolation('username');
  if (e.constraint === 'users_email') return new UniqueViolation('email');
  if (e.constraint === 'users_phone') return new UniqueViolation('phone');
  return undefined;
}
