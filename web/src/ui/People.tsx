// Who is online; a click starts (or opens) the direct conversation.
import { useEffect, useState } from 'preact/hooks';
import type { OnlineUsers } from '../../../src/client/browser.ts';
import { api, openDirect } from '../session.ts';
import { useAppState } from '../store.ts';
import { errorText } from './forms.tsx';

/** The online users, refreshed on open and by the button. */
export function People() {
  const s = useAppState();
  const [users, setUsers] = useState<OnlineUsers['users']>([]);
  const [error, setError] = useState('');
  const refresh = async () => {
    try {
      setUsers((await api().who({ limit: 200 })).users);
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    void refresh();
  }, []);
  const others = users.filter((u) => u.username !== s.me);
  return (
    <section class="panel" aria-label="People online">
      <h2>Online now</h2>
      <button type="button" onClick={() => void refresh()}>
        Refresh
      </button>
      {error && <p role="alert">{error}</p>}
      {others.length === 0 && <p class="muted">Nobody else is online.</p>}
      <ul class="people">
        {others.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              onClick={() => void openDirect(u.username).catch((e) => setError(errorText(e)))}
            >
              Message {u.username}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
