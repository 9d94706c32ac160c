// The conversation list (unread counts, last message, newest activity first) and the open
// conversation: history page by page as you scroll up, day separators, own messages apart,
// sending / sent / read / failed with retry.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { dayOf, type Line, timeOf } from '../lines.ts';
import { clearUnseen } from '../notify.ts';
import { sendMessage } from '../send.ts';
import { loadOlder, markRead, openConv } from '../session.ts';
import { type ConvState, sortedConvs, update, useAppState } from '../store.ts';

/** The list of conversations. */
export function ConversationList() {
  const s = useAppState();
  const convs = sortedConvs(s);
  return (
    <nav class="convs" aria-label="Conversations">
      <h2>Conversations</h2>
      {convs.length === 0 && (
        <p class="muted">No conversations yet: start one from People or Groups.</p>
      )}
      <ul>
        {convs.map((c) => (
          <li key={c.conv}>
            <button
              type="button"
              class="conv"
              aria-current={s.open === c.conv ? 'true' : undefined}
              onClick={() => void openConv(c.conv)}
            >
              <span class="conv-title">{c.title}</span>
              {c.unread > 0 && (
                <span class="badge">
                  {c.unread}
                  <span class="visually-hidden"> unread</span>
                </span>
              )}
              <span class="conv-last">{c.lastText}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function stateText(l: Line, c: ConvState): string {
  if (l.state === 'sending') return 'sending';
  if (l.state === 'failed') return 'failed';
  if (l.state === 'sent') return l.seq !== undefined && l.seq <= c.peerReadSeq ? 'read' : 'sent';
  return '';
}

function MessageRow(props: { line: Line; conv: ConvState; mine: boolean; showFrom: boolean }) {
  const { line, conv, mine } = props;
  const status = stateText(line, conv);
  return (
    <li class={mine ? 'msg mine' : 'msg'} data-seq={line.seq} data-state={status || undefined}>
      {props.showFrom && !mine && <span class="from">{line.from}</span>}
      <span class="text">{line.text}</span>
      <span class="meta">
        <time dateTime={line.sentAt}>{timeOf(line.sentAt)}</time>
        {status && <span class="state"> · {status}</span>}
        {line.state === 'failed' && line.clientId !== undefined && (
          <button
            type="button"
            class="retry"
            onClick={() => void sendMessage(conv.conv, line.text, line.clientId)}
          >
            Retry
          </button>
        )}
      </span>
    </li>
  );
}

/** The messages with a separator at each new day. */
export function MessageList(props: { conv: ConvState; me: string }) {
  const rows = [];
  let day = '';
  for (const l of props.conv.lines) {
    const d = dayOf(l.sentAt);
    if (d !== day) {
      day = d;
      rows.push(
        <li class="day" key={`d${d}`}>
          {d}
        </li>,
      );
    }
    rows.push(
      <MessageRow
        key={l.key}
        line={l}
        conv={props.conv}
        mine={l.from === props.me}
        showFrom={props.conv.kind === 'group'}
      />,
    );
  }
  return <ol class="messages">{rows}</ol>;
}

/** The open conversation. */
export function ConversationView(props: { conv: ConvState }) {
  const s = useAppState();
  const { conv } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [text, setText] = useState('');
  const [loading, setLoading] = useState(false);
  const keep = useRef<{ height: number; top: number } | undefined>(undefined);
  const atBottom = useRef(true);

  // Keeps the view where it was when older messages come in above, else sticks to the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (keep.current) {
      el.scrollTop = el.scrollHeight - keep.current.height + keep.current.top;
      keep.current = undefined;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
  }, [conv.lines]);

  // Shown again (another conversation, or back from People or Groups): it is read now.
  useEffect(() => {
    atBottom.current = true;
    clearUnseen();
    if (conv.unread > 0) void markRead(conv.conv);
  }, [conv.conv]);

  const onScroll = async () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom.current && conv.unread > 0) void markRead(conv.conv);
    if (el.scrollTop < 80 && conv.more && !loading) {
      setLoading(true);
      keep.current = { height: el.scrollHeight, top: el.scrollTop };
      try {
        await loadOlder(conv.conv);
      } finally {
        setLoading(false);
      }
    }
  };

  return (
    <section class="chat" aria-label={`Conversation with ${conv.title}`}>
      <h2>
        <button type="button" class="back" onClick={() => update({ open: undefined })}>
          Back<span class="visually-hidden"> to conversations</span>
        </button>
        {conv.title}
      </h2>
      <div
        class="scroller"
        ref={scroller}
        onScroll={() => void onScroll()}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: keyboard users scroll the history (and load older pages) with the arrow keys
        tabIndex={0}
        role="log"
        aria-label="Messages"
      >
        {conv.more && conv.loaded && (
          <p class="muted">{loading ? 'Loading…' : 'Scroll up for older messages'}</p>
        )}
        <MessageList conv={conv} me={s.me} />
      </div>
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          const t = text.trim();
          if (!t) return;
          setText('');
          atBottom.current = true;
          void sendMessage(conv.conv, t);
        }}
      >
        <label for="composer-text" class="visually-hidden">
          Message
        </label>
        <input
          id="composer-text"
          autoComplete="off"
          value={text}
          maxLength={4000}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          placeholder={`Message ${conv.title}`}
        />
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
