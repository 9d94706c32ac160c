// The render benchmark's page (served by Vite for web/scripts/render-bench.ts, never built
// into web/dist): the real MessageList with `?n=` history messages over a few days; the time
// from render to the first layout is written to body[data-render-ms].
import { render } from 'preact';
import type { Line } from '../src/lines.ts';
import type { ConvState } from '../src/store.ts';
import { MessageList } from '../src/ui/Conversations.tsx';

const n = Number(new URLSearchParams(location.search).get('n') ?? '1000');
const start = Date.parse('2026-11-28T08:00:00Z');
const lines: Line[] = [];
for (let i = 1; i <= n; i++) {
  const mine = i % 3 === 0;
  lines.push({
    key: `s${i}`,
    conv: 'dm:00001:00002',
    seq: i,
    from: mine ? 'alice' : 'bob',
    text: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 4))}`,
    sentAt: new Date(start + i * 7 * 60_000).toISOString(),
    state: mine ? 'sent' : 'received',
  });
}
const conv: ConvState = {
  conv: 'dm:00001:00002',
  kind: 'direct',
  title: 'bob',
  unread: 0,
  lastSeq: n,
  peerReadSeq: Math.floor(n / 2),
  lastText: '',
  lastAt: '',
  lines,
  more: false,
  loaded: true,
};
const root = document.getElementById('app') as HTMLElement;
const t0 = performance.now();
render(
  <div class="scroller">
    <MessageList conv={conv} me="alice" />
  </div>,
  root,
);
void root.offsetHeight; // forces style and layout, part of what the user waits for
document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
