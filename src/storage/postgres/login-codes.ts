// One-time login codes on PostgreSQL (the login_codes table): stored by hash, taken once.
import {
  type LoginCodeRecord,
  type LoginCodeRow,
  type LoginCodeStore,
  loginCodeFromRow,
} from '../login-codes.ts';
import type { PgDb } from './db.ts';

/** The PostgreSQL LoginCodeStore: each method one statement or one transaction. */
export class PgLoginCodes implements LoginCodeStore {
  constructor(private readonly db: PgDb) {}

  async save(code: LoginCodeRecord, now: number): Promise<void> {
    await this.db.tx(async (t) => {
      await t.q('DELETE FROM login_codes WHERE expires_at < $1', [now]);
      await t.q(
        `INSERT INTO login_codes (code_hash, binding_hash, provider, identity, expires_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [code.codeHash, code.bindingHash, code.provider, code.identity, code.expiresAt],
      );
    });
  }

  async take(codeHash: string): Promise<LoginCodeRecord | undefined> {
    const { rows } = await this.db.q<LoginCodeRow>(
      `DELETE FROM login_codes WHERE code_hash = $1
       RETURNING code_hash, binding_hash, provider, identity, expires_at`,
      [codeHash],
    );
    return rows[0] && loginCodeFromRow(rows[0]);
  }
}
