// The stored message on the wire: its id, its event frame (serialised once, however
// many sessions get it) and its data object for history and conversations.

/** The message id of (conversation id, seq): opaque to clients, unique, needs no index. */
export function storedMessageId(convId: number, seq: number): string {
  return `m_${convId.toString(36)}_${seq.toString(36)}`;
}

/** A message's wire fields (the `message` event's data without `replayed`). */
export interface WireMessage {
  id: string;
  conv: string;
  seq: number;
  from: string;
  to: string;
  text: string;
  sent_at: string;
  client_id?: string;
}

/** The reply data of a stored send, serialised (what JSON.stringify of it gives). */
export function sendReplyJson(
  r: { id: string; conv: string; seq: number; delivered: boolean },
  duplicate: boolean,
): string {
  // id and conv are made of [a-z0-9_:] only: nothing to escape.
  const tail = duplicate ? ',"duplicate":true' : '';
  return `{"id":"${r.id}","conv":"${r.conv}","seq":${r.seq},"delivered":${r.delivered}${tail}}`;
}

const HEAD = '{"event":"message","tag":"chat","data":{"id":"m_';

/**
 * The `message` event frame, newline-terminated: what JSON.stringify of the event gives,
 * built without an intermediate object. id, conv, sent_at and client_id need no escaping
 * (their characters are fixed by their format).
 */
export function storedMessageFrame(m: WireMessage, replayed: boolean): string {
  const clientId = m.client_id === undefined ? '' : `,"client_id":"${m.client_id}"`;
  const tail = replayed ? ',"replayed":true' : '';
  return `${HEAD}${m.id.slice(2)}","conv":"${m.conv}","seq":${m.seq},"from":${JSON.stringify(m.from)},"to":${JSON.stringify(m.to)},"text":${JSON.stringify(m.text)},"sent_at":"${m.sent_at}"${clientId}${tail}}}\n`;
}

/** The conversation id and seq of a stored message's frame; undefined for any other frame. */
export function framePosition(frame: string): { convId: number; seq: number } | undefined {
  if (!frame.startsWith(HEAD)) return undefined;
  const sep = frame.indexOf('_', HEAD.length);
  const end = frame.indexOf('"', sep);
  if (sep < 0 || end < 0) return undefined;
  const convId = Number.parseInt(frame.slice(HEAD.length, sep), 36);
  const seq = Number.parseInt(frame.slice(sep + 1, end), 36);
  if (!Number.isSafeInteger(convId) || !Number.isSafeInteger(seq)) return undefined;
  return { convId, seq };
}
