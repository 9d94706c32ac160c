// How an audit_log page looks on the terminal: one entry a line, newest first.
import type { Style } from './style.ts';

/** An audit_log page as lines: time, actor, action, target, outcome, then address and detail. */
export function formatAuditLog(data: unknown, s: Style, str: (v: unknown) => string): string {
  const entries = (data as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return str(data);
  if (entries.length === 0) return 'the audit log is empty';
  const lines = entries.map((raw) => {
    const e = raw as Record<string, unknown>;
    const outcome = e.outcome === 'ok' ? s.green('ok') : s.red(str(e.outcome));
    const parts = [
      s.dim(str(e.at)),
      s.bold(e.actor === null ? '(server)' : str(e.actor)),
      str(e.action),
      e.target === null ? '-' : str(e.target),
      outcome,
      e.address === null ? '-' : str(e.address),
    ];
    if (typeof e.detail === 'string') parts.push(str(e.detail));
    return parts.join('  ');
  });
  const more = (data as { next?: unknown }).next;
  if (typeof more === 'string') lines.push(s.dim('(older entries exist)'));
  return lines.join('\n');
}
