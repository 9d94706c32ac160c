// Builds request envelopes and classifies the frames the server sends (docs/protocol.md 2-4).

/** A request envelope as it goes on the wire. */
export interface ClientRequest {
  action: string;
  data: unknown[];
  tag: string;
  token?: string;
}

/** A server reply, matched to its request by tag. */
export type ServerReply =
  | { tag: string | null; ok: true; data: unknown }
  | {
      tag: string | null;
      ok: false;
      error: { code: string; message: string; retry_after_ms?: number };
    };

/** An unrequested server frame. */
export interface ServerEvent {
  event: string;
  tag: string;
  data: unknown;
}

/** What one received line turned out to be. */
export type ServerFrame =
  | { kind: 'reply'; reply: ServerReply }
  | { kind: 'event'; event: ServerEvent }
  | { kind: 'invalid'; line: string };

/** Builds a request envelope; `token` is left out when undefined. */
export function genMessage(
  action: string,
  data: unknown[],
  tag: string,
  token?: string,
): ClientRequest {
  const msg: ClientRequest = { action, data, tag };
  if (token !== undefined) msg.token = token;
  return msg;
}

/** Parses one line from the server into a reply, an event, or 'invalid'. */
export function parseServerFrame(line: string): ServerFrame {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'invalid', line };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', line };
  }
  const obj = value as Record<string, unknown>;
  const tag = typeof obj.tag === 'string' ? obj.tag : null;
  if (typeof obj.event === 'string') {
    return { kind: 'event', event: { event: obj.event, tag: tag ?? '', data: obj.data } };
  }
  if (obj.ok === true) return { kind: 'reply', reply: { tag, ok: true, data: obj.data } };
  if (obj.ok === false) {
    const err = (typeof obj.error === 'object' && obj.error) || {};
    const e = err as Record<string, unknown>;
    const error: { code: string; message: string; retry_after_ms?: number } = {
      code: typeof e.code === 'string' ? e.code : 'internal',
      message: typeof e.message === 'string' ? e.message : '',
    };
    if (typeof e.retry_after_ms === 'number') error.retry_after_ms = e.retry_after_ms;
    return { kind: 'reply', reply: { tag, ok: false, error } };
  }
  return { kind: 'invalid', line };
}
