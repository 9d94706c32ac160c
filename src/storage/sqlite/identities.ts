// Identities at OpenID Connect providers on SQLite (the identities table, issue 16).
import type Database from 'better-sqlite3';
import {
  type IdentityRecord,
  type IdentityStore,
  IdentityTaken,
  type NewIdentity,
  type UnlinkResult,
} from '../identities.ts';
import { IDENTITY_COLUMNS, type IdentityRow, toIdentity } from '../sql-rows.ts';

/** The identities part of SqliteStorage; SqliteAccounts calls insert inside createUser. */
export class SqliteIdentities implements IdentityStore {
  private readonly byKey;
  private readonly byUser;
  private readonly add;
  private readonly remove;
  private readonly hasPassword;
  private readonly dropAll;

  constructor(private readonly db: Database.Database) {
    this.byKey = db.prepare<[string, string], IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM identities WHERE issuer = ? AND subject = ?`,
    );
    this.byUser = db.prepare<[number], IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM identities WHERE user_id = ? ORDER BY linked_at, provider`,
    );
    this.add = db.prepare<[number, string, string, string, string | null, number]>(
      `INSERT INTO identities (user_id, provider, issuer, subject, email, linked_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.remove = db.prepare<[number, string]>(
      'DELETE FROM identities WHERE user_id = ? AND provider = ?',
    );
    this.hasPassword = db.prepare<[number], { n: number }>(
      `SELECT count(*) AS n FROM users WHERE id = ? AND password_hash <> ''`,
    );
    this.dropAll = db.prepare<[number]>('DELETE FROM identities WHERE user_id = ?');
  }

  /** Inserts a link (call inside a transaction or alone); throws IdentityTaken. */
  insert(userId: number, identity: NewIdentity): void {
    try {
      this.add.run(
        userId,
        identity.provider,
        identity.issuer,
        identity.subject,
        identity.email,
        identity.linkedAt,
      );
    } catch (err) {
      const e = err as { code?: string };
      if (e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new IdentityTaken();
      }
      throw err;
    }
  }

  /** Deletes all of a user's links (account deletion; inside its transaction). */
  dropForUser(userId: number): void {
    this.dropAll.run(userId);
  }

  async find(issuer: string, subject: string): Promise<IdentityRecord | undefined> {
    const row = this.byKey.get(issuer, subject);
    return row && toIdentity(row);
  }

  async listForUser(userId: number): Promise<IdentityRecord[]> {
    return this.byUser.all(userId).map(toIdentity);
  }

  async link(userId: number, identity: NewIdentity): Promise<void> {
    this.insert(userId, identity);
  }

  async unlink(userId: number, provider: string): Promise<UnlinkResult> {
    return this.db
      .transaction((): UnlinkResult => {
        const links = this.byUser.all(userId);
        if (!links.some((l) => l.provider === provider)) return 'not_found';
        if (links.length <= 1 && (this.hasPassword.get(userId)?.n ?? 0) === 0) return 'last_login';
        this.remove.run(userId, provider);
        return 'unlinked';
      })
      .immediate();
  }
}
