// `super-server audit [--since WHEN] [--limit N] [--json]`: read the audit log.
import type { Command } from 'commander';
import { openStorage } from '../storage/open.ts';
import type { AuditRecord } from '../storage/storage.ts';
import { type CommonOptions, configFrom, fail } from './common.ts';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `2h`, `30m`, `7d`, `45s` → that long before `now`; otherwise an ISO date or time. */
export function parseSince(text: string, now = Date.now()): string {
  const relative = /^(\d+)([smhd])$/.exec(text.trim());
  if (relative) {
    const unit = relative[2] as keyof typeof UNIT_MS;
    return new Date(now - Number(relative[1]) * UNIT_MS[unit]).toISOString();
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    fail(`--since: "${text}" is neither a time (2026-11-25T10:00Z) nor an age (30m, 2h, 7d)`, 2);
  }
  return new Date(ms).toISOString();
}

/** One entry as a line for people. */
export function formatAuditLine(e: AuditRecord): string {
  const parts = [e.at, e.actor ?? '(server)', e.action, e.target ?? '-', e.outcome];
  parts.push(e.address ?? '-');
  if (e.detail !== null) parts.push(JSON.stringify(e.detail));
  return parts.join('  ');
}

/** Adds the `audit` command to the program. */
export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('show the audit log: admin actions, refusals, locks, shutdowns')
    .option('--since <when>', 'only entries from this time (ISO) or age (30m, 2h, 7d) on')
    .option('--limit <n>', 'at most this many entries', (v) => Number(v))
    .option('--json', 'one JSON object per line')
    .option('--data-dir <dir>', 'where the database lives (default ./data)')
    .option('--config <file>', 'JSON config file')
    .action(async (opts: CommonOptions & { since?: string; limit?: number; json?: boolean }) => {
      if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
        fail('--limit must be a positive whole number', 2);
      }
      const since = opts.since === undefined ? undefined : parseSince(opts.since);
      const storage = await openStorage(configFrom(opts));
      try {
        for (const e of await storage.listAudit({ since, limit: opts.limit })) {
          process.stdout.write(`${opts.json ? JSON.stringify(e) : formatAuditLine(e)}\n`);
        }
      } finally {
        await storage.close();
      }
    });
}
