// audit_log [before?, limit?, since?] — a page of the audit log, newest first (admin).
import { z } from 'zod';
import type { AuditRecord } from '../../../storage/storage.ts';
import { defineAction } from '../define.ts';
import { AuditCursor, IsoTime, PageLimit } from '../inputs.ts';

/** One entry as the wire shows it: fields picked by name (never spread a record). */
function toWire(e: AuditRecord) {
  return {
    at: e.at,
    actor: e.actor,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    detail: e.detail,
    address: e.address,
  };
}

export default defineAction({
  name: 'audit_log',
  phase: 'session',
  level: 'admin',
  // Reading the log is itself an entry: which page (cursor) and from when.
  audit: { detail: [0, 2] },
  input: z.tuple([
    AuditCursor.nullable().optional(),
    PageLimit(200).nullable().optional(),
    IsoTime.nullable().optional(),
  ]),
  async run(ctx, [before, limit, since]) {
    const size = limit ?? 50;
    // One more than asked tells whether an older page exists.
    const rows = await ctx.services.storage.listAuditNewest({
      before: before ?? undefined,
      since: since ?? undefined,
      limit: size + 1,
    });
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    const next = rows.length > size && last ? String(last.id) : null;
    return { entries: page.map(toWire), next };
  },
});
