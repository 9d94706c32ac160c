// One-time login codes on SQLite (the login_codes table): stored by hash, taken once.
import type Database from 'better-sqlite3';
import {
  type LoginCodeRecord,
  type LoginCodeRow,
  type LoginCodeStore,
  loginCodeFromRow,
} from '../login-codes.ts';

/** The SQLite LoginCodeStore. */
export class SqliteLoginCodes implements LoginCodeStore {
  private readonly insert;
  private readonly purge;
  private readonly takeRow;

  constructor(db: Database.Database) {
    this.insert = db.prepare<[string, string, string, string, number]>(
      `INSERT INTO login_codes (code_hash, binding_hash, provider, identity, expires_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.purge = db.prepare<[number]>('DELETE FROM login_codes WHERE expires_at < ?');
    this.takeRow = db.prepare<[string], LoginCodeRow>(
      `DELETE FROM login_codes WHERE code_hash = ?
       RETURNING code_hash, binding_hash, provider, identity, expires_at`,
    );
  }

  async save(code: LoginCodeRecord, now: number): Promise<void> {
    this.purge.run(now);
    this.insert.run(code.codeHash, code.bindingHash, code.provider, code.identity, code.expiresAt);
  }

  async take(codeHash: string): Promise<LoginCodeRecord | undefined> {
    const row = this.takeRow.get(codeHash);
    return row && loginCodeFromRow(row);
  }
}
