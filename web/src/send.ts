// Sending from the page: the row shows at once as "sending", becomes "sent" with its seq
// once stored, or "failed" with a retry that reuses the client id (so it is stored once).
import { newClientId } from '../../src/client/browser.ts';
import { type Line, mergeLines } from './lines.ts';
import { api } from './session.ts';
import { getState, updateConv } from './store.ts';

function setLine(conv: string, clientId: string, change: Partial<Line>): void {
  updateConv(conv, (c) => ({
    lines: c.lines.map((l) =>
      l.clientId === clientId && l.seq === undefined ? { ...l, ...change } : l,
    ),
  }));
}

/** Sends `text` to the conversation (direct or group); resolves when it is settled. */
export async function sendMessage(
  conv: string,
  text: string,
  clientId = newClientId(),
): Promise<void> {
  const s = getState();
  const c = s.convs[conv];
  if (!c) return;
  const line: Line = {
    key: `c${clientId}`,
    conv,
    from: s.me,
    text,
    sentAt: new Date().toISOString(),
    state: 'sending',
    clientId,
  };
  updateConv(conv, (cv) => ({
    lines: [...cv.lines.filter((l) => l.clientId !== clientId || l.seq !== undefined), line],
    lastText: text,
    lastAt: line.sentAt,
  }));
  try {
    const r =
      c.kind === 'group'
        ? await api().messageGroup(conv, text, { clientId })
        : await api().messageUser(c.title, text, { clientId });
    updateConv(conv, (cv) => {
      const stored: Line = { ...line, key: `s${r.seq}`, seq: r.seq, state: 'sent' };
      const rest = cv.lines.filter((l) => l.clientId !== clientId || l.seq !== undefined);
      return { lines: mergeLines(rest, [stored]), lastSeq: Math.max(cv.lastSeq, r.seq) };
    });
  } catch {
    setLine(conv, clientId, { state: 'failed' });
  }
}
