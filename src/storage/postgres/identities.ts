// Identities at OpenID Connect providers on PostgreSQL (the identities table, issue 16).
import {
  type IdentityRecord,
  type IdentityStore,
  IdentityTaken,
  type NewIdentity,
  type UnlinkResult,
} from '../identities.ts';
import { IDENTITY_COLUMNS, type IdentityRow, toIdentity } from '../sql-rows.ts';
import type { PgDb, Queryable } from './db.ts';

/** Inserts a link on `t` (a transaction or the pool); throws IdentityTaken on the (issuer, subject) key. */
export async function insertIdentity(
  t: Queryable,
  userId: number,
  identity: NewIdentity,
): Promise<void> {
  try {
    await t.q(
      `INSERT INTO identities (user_id, provider, issuer, subject, email, linked_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        userId,
        identity.provider,
        identity.issuer,
        identity.subject,
        identity.email,
        identity.linkedAt,
      ],
    );
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e?.code === '23505' && e.constraint === 'identities_pkey') throw new IdentityTaken();
    throw err;
  }
}

/** The identities part of PostgresStorage. */
export class PgIdentities implements IdentityStore {
  constructor(private readonly db: PgDb) {}

  async find(issuer: string, subject: string): Promise<IdentityRecord | undefined> {
    const { rows } = await this.db.q<IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM identities WHERE issuer = $1 AND subject = $2`,
      [issuer, subject],
    );
    return rows[0] && toIdentity(rows[0]);
  }

  async listForUser(userId: number): Promise<IdentityRecord[]> {
    const { rows } = await this.db.q<IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM identities WHERE user_id = $1 ORDER BY linked_at, provider`,
      [userId],
    );
    return rows.map(toIdentity);
  }

  async link(userId: number, identity: NewIdentity): Promise<void> {
    await insertIdentity(this.db, userId, identity);
  }

  async unlink(userId: number, provider: string): Promise<UnlinkResult> {
    return this.db.tx(async (t): Promise<UnlinkResult> => {
      // Locks the account row: two unlinks at once cannot both pass the last-login check.
      const user = await t.q<{ password_hash: string }>(
        'SELECT password_hash FROM users WHERE id = $1 FOR UPDATE',
        [userId],
      );
      const { rows } = await t.q<{ provider: string }>(
        'SELECT provider FROM identities WHERE user_id = $1',
        [userId],
      );
      if (!rows.some((r) => r.provider === provider)) return 'not_found';
      if (rows.length <= 1 && !user.rows[0]?.password_hash) return 'last_login';
      await t.q('DELETE FROM identities WHERE user_id = $1 AND provider = $2', [userId, provider]);
      return 'unlinked';
    });
  }
}
