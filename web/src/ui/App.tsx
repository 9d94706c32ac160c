// The page: the logged-out screens, or the header, the offline banner, the conversation
// list and the main area.
import { useEffect, useState } from 'preact/hooks';
import { logout } from '../session.ts';
import { update, useAppState, type View } from '../store.ts';
import { Admin } from './Admin.tsx';
import { Auth } from './Auth.tsx';
import { ConversationList, ConversationView } from './Conversations.tsx';
import { Groups } from './Groups.tsx';
import { People } from './People.tsx';
import { Settings } from './Settings.tsx';

function OfflineBanner(props: { retryAt: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const s = Math.max(0, Math.ceil((props.retryAt - now) / 1000));
  return (
    <p class="offline" role="status">
      Offline: reconnecting{s > 0 ? ` in ${s} s` : '…'} Messages you send now go out when back.
    </p>
  );
}

/** The whole page. */
export function App() {
  const s = useAppState();
  if (s.phase !== 'in') return <Auth />;
  const views: Array<[View, string]> = [
    ['chats', 'Chats'],
    ['people', 'People'],
    ['groups', 'Groups'],
    ['settings', 'Settings'],
  ];
  if (s.level === 'admin') views.push(['admin', 'Admin']);
  const open = s.open ? s.convs[s.open] : undefined;
  return (
    <div class="app" data-view={s.view} data-open={open ? 'yes' : 'no'}>
      <header>
        <span class="me">
          {s.me} <span class="muted">({s.level})</span>
        </span>
        <nav aria-label="Main">
          {views.map(([v, label]) => (
            <button
              type="button"
              key={v}
              aria-pressed={s.view === v}
              onClick={() => update({ view: v })}
            >
              {label}
            </button>
          ))}
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </nav>
      </header>
      {s.offline && <OfflineBanner retryAt={s.retryAt} />}
      {s.notice && <p role="status">{s.notice}</p>}
      <div class="body">
        <ConversationList />
        <main>
          {s.view === 'chats' &&
            (open ? <ConversationView conv={open} /> : <p class="muted">Pick a conversation.</p>)}
          {s.view === 'people' && <People />}
          {s.view === 'groups' && <Groups />}
          {s.view === 'settings' && <Settings />}
          {s.view === 'admin' && <Admin />}
        </main>
      </div>
    </div>
  );
}
