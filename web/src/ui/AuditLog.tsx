// The admin's audit log: newest first, a page at a time ("Load more"), shown as text only.
import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry } from '../../../src/client/browser.ts';
import { api } from '../session.ts';
import { errorText } from './forms.tsx';

/** Entries per audit_log request. */
export const AUDIT_PAGE = 20;

/** The audit log table; it reloads from the newest entry whenever `version` changes. */
export function AuditLog(props: { version: number }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const load = async (before?: string) => {
    setBusy(true);
    try {
      const page = await api().auditLog({ before, limit: AUDIT_PAGE });
      // Older pages go below; the cursor keeps them free of repeats.
      setEntries((shown) => (before === undefined ? page.entries : [...shown, ...page.entries]));
      setNext(page.next);
      setError('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, [props.version]);
  return (
    <section class="audit-log" aria-labelledby="audit-heading" aria-busy={busy}>
      <h3 id="audit-heading">Audit log</h3>
      <button type="button" onClick={() => void load()} disabled={busy}>
        Refresh audit log
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table class="audit">
        <caption>Admin actions, refusals, locks and shutdowns, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${e.at}-${i}`}>
              <td>
                <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
              </td>
              <td>{e.actor ?? '(server)'}</td>
              <td>{e.action}</td>
              <td>{e.target ?? ''}</td>
              <td>{e.outcome}</td>
              <td>{e.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && !busy && <p class="muted">No entries.</p>}
      {next !== null && (
        <button type="button" onClick={() => void load(next)} disabled={busy}>
          Load more
        </button>
      )}
    </section>
  );
}
