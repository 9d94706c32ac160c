// Reading the audit log the way an operator does: `super-server audit --json`.
import { runCli } from './harness.ts';

/** One audit entry as `audit --json` prints it. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
  address: string | null;
}

/** The entries of the audit log in `dataDir` (with extra `audit` flags), oldest first. */
export async function auditEntries(dataDir: string, ...args: string[]): Promise<AuditEntry[]> {
  const r = await runCli(['audit', '--json', '--data-dir', dataDir, ...args]);
  if (r.code !== 0) throw new Error(`audit failed (${r.code}): ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}
