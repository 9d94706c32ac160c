// The page's state in one place: a plain object replaced on each change, and a hook that
// re-renders a component when it changes.
import { useEffect, useState } from 'preact/hooks';
import type { Line } from './lines.ts';

/** One conversation in the list and, once opened, its messages. */
export interface ConvState {
  conv: string;
  kind: 'direct' | 'group';
  title: string;
  unread: number;
  lastSeq: number;
  /** the highest seq another member has read (read receipts) */
  peerReadSeq: number;
  lastText: string;
  lastAt: string;
  lines: Line[];
  /** older messages exist on the server */
  more: boolean;
  loaded: boolean;
}

/** Which screen the main area shows. */
export type View = 'chats' | 'people' | 'groups' | 'settings' | 'admin';

/** Everything the page shows. */
export interface AppState {
  phase: 'out' | 'busy' | 'in';
  me: string;
  level: string;
  offline: boolean;
  /** when the next reconnect attempt starts (ms since the epoch), while offline */
  retryAt: number;
  convs: Record<string, ConvState>;
  /** the open conversation's conv */
  open: string | undefined;
  view: View;
  online: string[];
  /** a message for the user (an error, a result) */
  notice: string;
}

const initial: AppState = {
  phase: 'out',
  me: '',
  level: '',
  offline: false,
  retryAt: 0,
  convs: {},
  open: undefined,
  view: 'chats',
  online: [],
  notice: '',
};

let state: AppState = initial;
const listeners = new Set<() => void>();

/** The current state. */
export function getState(): AppState {
  return state;
}

/** Applies a change (a partial state, or a function of the state) and re-renders. */
export function update(change: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
  const patch = typeof change === 'function' ? change(state) : change;
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

/** Back to the logged-out state. */
export function resetState(notice = ''): void {
  update({ ...initial, notice });
}

/** Changes one conversation (creating it from `fresh` when new). */
export function updateConv(
  conv: string,
  change: (c: ConvState) => Partial<ConvState>,
  fresh?: () => ConvState,
): void {
  update((s) => {
    const old = s.convs[conv] ?? fresh?.();
    if (!old) return {};
    return { convs: { ...s.convs, [conv]: { ...old, ...change(old) } } };
  });
}

/** The state, kept current in a component. */
export function useAppState(): AppState {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return state;
}

/** The conversations by last activity, newest first. */
export function sortedConvs(s: AppState): ConvState[] {
  return Object.values(s.convs).sort((a, b) =>
    b.lastAt > a.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0,
  );
}
