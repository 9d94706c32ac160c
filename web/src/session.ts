// The one SDK Client of the page (the SDK's browser entry: the page's own /ws), and what its events do to
// the state: messages merged by seq, read receipts, offline and back, title badge.
import { type ChatMessage, Client, type Conversation } from '../../src/client/browser.ts';
import { lineOf, mergeLines } from './lines.ts';
import { notifyMessage } from './notify.ts';
import { rememberLogin, rememberLogout } from './remember.ts';
import { type ConvState, getState, resetState, update, updateConv } from './store.ts';

/** Reconnect waits: quick at first, never more than 10 s between attempts. */
const BACKOFF = { initialDelayMs: 500, maxDelayMs: 10_000, factor: 2 };

/** Messages per history page. */
export const PAGE = 50;

let client: Client | undefined;

/** The logged-in client; throws when there is none. */
export function api(): Client {
  if (!client) throw new Error('not logged in');
  return client;
}

/** A fresh, connected client (not logged in), for login, registration or a password reset. */
export async function connectClient(): Promise<Client> {
  // The SDK's default clock: browser timers (it unrefs only Node's).
  const c = new Client({ reconnect: BACKOFF });
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  await c.connect({ url: `${scheme}://${location.host}/ws` });
  return c;
}

/** Makes `c` (logged in) the page's client: wires its events and loads the conversations. */
export async function startSession(c: Client): Promise<void> {
  client = c;
  c.on('message', (m) => onMessage(m));
  c.on('read', (r) => {
    if (r.by === getState().me) return;
    updateConv(r.conv, (cv) => ({ peerReadSeq: Math.max(cv.peerReadSeq, r.seq) }));
  });
  c.on('permission_changed', (p) => update({ level: p.level }));
  c.on('offline', () => update({ offline: true }));
  c.on('reconnecting', (r) => update({ offline: true, retryAt: Date.now() + r.delayMs }));
  c.on('online', () => {
    update({ offline: false });
    void refreshConversations();
  });
  c.on('member', (m) => {
    // `deleted` names the one who deleted the group: it is gone for every member.
    const out = m.username === getState().me && ['kicked', 'banned'].includes(m.change);
    if (out || m.change === 'deleted') {
      dropConv(m.conv);
      update({ notice: `${m.conv}: ${m.change}` });
    }
  });
  c.on('resume_failed', (e) => endSession(`Signed out: ${e.message}`));
  c.on('close', (info) => {
    if (!c.isOffline && client === c && info.reason !== 'connection_lost') {
      endSession(closeNotice(info.reason));
    }
  });
  update({ phase: 'in', me: c.username ?? '', level: c.level ?? '', notice: '' });
  rememberLogin(c.username ?? '');
  await refreshConversations();
}

function closeNotice(reason: string | undefined): string {
  if (reason === 'logged_out' || reason === 'client_closed') return '';
  if (reason === 'shutdown') return 'The server was stopped.';
  // Only when the session could not be resumed: a restart is otherwise reconnected.
  if (reason === 'restart') return 'The server restarted: sign in again.';
  return `Disconnected: ${reason ?? 'unknown'}`;
}

/** Drops a conversation the user is no longer in (left, kicked, banned, deleted). */
export function dropConv(conv: string): void {
  update((s) => {
    const convs = { ...s.convs };
    delete convs[conv];
    return { convs, open: s.open === conv ? undefined : s.open };
  });
}

/** Forgets the client and shows the login screen. */
export function endSession(notice = ''): void {
  const c = client;
  client = undefined;
  c?.close();
  rememberLogout();
  resetState(notice);
  document.title = 'super-server';
}

/** Logs out (the server ends the session) and shows the login screen. */
export async function logout(): Promise<void> {
  const c = client;
  client = undefined;
  // At once, not after the server's answer: a reload right after the click is no surprise.
  rememberLogout();
  try {
    await c?.logout();
  } catch {
    // closed already: logged out all the same
  }
  endSession();
}

function emptyConv(conv: string, kind: 'direct' | 'group', title: string): ConvState {
  return {
    conv,
    kind,
    title,
    unread: 0,
    lastSeq: 0,
    peerReadSeq: 0,
    lastText: '',
    lastAt: '',
    lines: [],
    more: true,
    loaded: false,
  };
}

function fromListing(c: Conversation, old: ConvState | undefined): ConvState {
  const base = old ?? emptyConv(c.conv, c.kind, c.title);
  return {
    ...base,
    unread: c.unread,
    lastSeq: c.last_seq,
    peerReadSeq: Math.max(base.peerReadSeq, c.peer_read_seq ?? 0),
    lastText: c.last?.text ?? base.lastText,
    lastAt: c.last?.sent_at ?? base.lastAt,
  };
}

/** Reloads the conversation list (unread counts, last message). */
export async function refreshConversations(): Promise<void> {
  const page = await api().conversationsPage(100);
  update((s) => {
    const convs = { ...s.convs };
    for (const c of page.conversations) convs[c.conv] = fromListing(c, convs[c.conv]);
    return { convs };
  });
}

/** The title a message's conversation has for `me`. */
function titleOf(m: ChatMessage, me: string): string {
  if (m.conv.startsWith('#')) return m.conv;
  return m.from === me ? m.to : m.from;
}

function onMessage(m: ChatMessage): void {
  const me = getState().me;
  const kind = m.conv.startsWith('#') ? 'group' : 'direct';
  const s = getState();
  const inView = s.view === 'chats' && s.open === m.conv && document.visibilityState === 'visible';
  updateConv(
    m.conv,
    (c) => ({
      lines: c.loaded ? mergeLines(c.lines, [lineOf(m, me)]) : c.lines,
      lastSeq: Math.max(c.lastSeq, m.seq),
      lastText: m.text,
      lastAt: m.sent_at,
      unread: m.from === me || inView ? c.unread : c.unread + (m.seq > c.lastSeq ? 1 : 0),
    }),
    () => emptyConv(m.conv, kind, titleOf(m, me)),
  );
  if (m.from !== me) {
    if (inView) void markRead(m.conv);
    else notifyMessage(titleOf(m, me));
  }
}

/** Marks the conversation read up to its last message. */
export async function markRead(conv: string): Promise<void> {
  const c = getState().convs[conv];
  if (!c || c.lastSeq === 0) return;
  updateConv(conv, () => ({ unread: 0 }));
  try {
    await api().markRead(conv, c.lastSeq);
  } catch {
    // offline: the unread count comes back from the server after the reconnect
  }
}

/** Opens a conversation: its newest page of history, then marks it read. */
export async function openConv(conv: string): Promise<void> {
  update({ open: conv, view: 'chats' });
  const c = getState().convs[conv];
  if (c && !c.loaded) await loadOlder(conv);
  await markRead(conv);
}

/** Opens (or starts) the direct conversation with `username`. */
export async function openDirect(username: string): Promise<void> {
  const page = await api().historyPage(`@${username}`, undefined, PAGE);
  const me = getState().me;
  updateConv(
    page.conv,
    (c) => ({
      lines: mergeLines(
        c.lines,
        page.messages.map((m) => lineOf(m, me)),
      ),
      more: page.more,
      loaded: true,
    }),
    () => emptyConv(page.conv, 'direct', username),
  );
  await openConv(page.conv);
}

/** Loads the page of history just above what is shown. */
export async function loadOlder(conv: string): Promise<void> {
  const c = getState().convs[conv];
  if (!c || (c.loaded && !c.more)) return;
  const first = c.lines.find((l) => l.seq !== undefined)?.seq;
  const page = await api().historyPage(conv, c.loaded ? first : undefined, PAGE);
  const me = getState().me;
  updateConv(conv, (cv) => ({
    lines: mergeLines(
      cv.lines,
      page.messages.map((m) => lineOf(m, me)),
    ),
    more: page.more,
    loaded: true,
  }));
}
