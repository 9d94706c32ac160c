// One-time email codes on SQLite (the codes table): one per user and purpose,
// stored as a hash with its expiry and the attempts left.
import type Database from 'better-sqlite3';
import type { CodePurpose, EmailCode } from '../storage.ts';

interface EmailCodeRow {
  code_hash: string;
  expires_at: number;
  attempts_left: number;
}

/** The codes part of SqliteStorage; the account methods call dropCode and dropAllCodes in their transactions. */
export class SqliteCodes {
  private readonly upsertCode;
  private readonly codeOf;
  private readonly spendCode;
  private readonly deleteCode;
  private readonly dropCodes;

  constructor(db: Database.Database) {
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
    this.deleteCode = db.prepare<[number, CodePurpose]>(
      'DELETE FROM codes WHERE user_id = ? AND purpose = ?',
    );
    this.dropCodes = db.prepare<[number]>('DELETE FROM codes WHERE user_id = ?');
  }

  /** Stores `code` for the user and purpose, replacing any earlier one. */
  saveCode(purpose: CodePurpose, userId: number, code: EmailCode): void {
    this.upsertCode.run(userId, purpose, code.codeHash, code.expiresAt, code.attemptsLeft);
  }

  /** The user's code for `purpose`, if one is stored. */
  findCode(purpose: CodePurpose, userId: number): EmailCode | undefined {
    const row = this.codeOf.get(userId, purpose);
    return (
      row && { codeHash: row.code_hash, expiresAt: row.expires_at, attemptsLeft: row.attempts_left }
    );
  }

  /** Takes one attempt from the code; returns the attempts left (0 when there is no code). */
  spendCodeAttempt(purpose: CodePurpose, userId: number): number {
    return this.spendCode.get(userId, purpose)?.attempts_left ?? 0;
  }

  /** Deletes the user's code for `purpose`. */
  dropCode(purpose: CodePurpose, userId: number): void {
    this.deleteCode.run(userId, purpose);
  }

  /** Deletes every code of the user. */
  dropAllCodes(userId: number): void {
    this.dropCodes.run(userId);
  }
}
