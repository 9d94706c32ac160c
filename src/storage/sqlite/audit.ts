// The audit log on SQLite (the audit table): privileged calls with their outcome,
// appended in batches and read back oldest first, or newest first a page at a time.
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditRecord } from '../storage.ts';

/** The audit part of SqliteStorage: every audit statement and query is here. */
export class SqliteAudit {
  private readonly insertAudit;
  private readonly auditSince;
  private readonly auditNewest;

  constructor(private readonly db: Database.Database) {
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
  }

  /** Appends the entries in one transaction. */
  appendAudit(entries: readonly AuditEntry[]): void {
    this.db.transaction(() => {
      for (const e of entries) {
        this.insertAudit.run(e.at, e.actor, e.action, e.target, e.outcome, e.detail, e.address);
      }
    })();
  }

  /** Entries at or after `since` (ISO time), oldest first, at most `limit`. */
  listAudit(query: { since?: string; limit?: number }): AuditRecord[] {
    return this.auditSince.all(query.since ?? '', query.limit ?? -1);
  }

  /** Entries below id `before` and at or after `since`, newest first, at most `limit`. */
  listAuditNewest(query: { before?: number; since?: string; limit: number }): AuditRecord[] {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    return this.auditNewest.all(before, query.since ?? '', query.limit);
  }
}
