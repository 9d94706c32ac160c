// The baseline's frames as flattened template strings, byte for byte what the real
// server writes (docs/protocol.md 3, 4 and 10): no objects, one JSON.stringify per
// free-text field (the tag, the message text, an error message).

/** Whether `value` is a string of 1 to `max` code points; only a long one is walked. */
export function isBoundedText(value: unknown, max: number): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (value.length <= max) return true;
  let points = 0;
  for (const _ of value) if (++points > max) return false;
  return true;
}

/** A JSON string literal of `tag`, or `null`. */
function tagJson(tag: string | null): string {
  return tag === null ? 'null' : JSON.stringify(tag);
}

/** `{"tag":…,"ok":true,"data":<data>}` — `data` is already JSON. */
export function okFrame(tag: string, data: string): string {
  return `{"tag":${JSON.stringify(tag)},"ok":true,"data":${data}}\n`;
}

/** `{"tag":…,"ok":false,"error":{"code":…,"message":…}}`. */
export function errorFrame(tag: string | null, code: string, message: string): string {
  return `{"tag":${tagJson(tag)},"ok":false,"error":{"code":"${code}","message":${JSON.stringify(message)}}}\n`;
}

/** `rate_limited` with its `retry_after_ms`. */
export function rateLimitedFrame(tag: string, retryAfterMs: number): string {
  return `{"tag":${JSON.stringify(tag)},"ok":false,"error":{"code":"rate_limited","message":"too many requests","retry_after_ms":${retryAfterMs}}}\n`;
}

/** `{"event":…,"tag":…,"data":<data>}` — `data` is already JSON. */
export function eventFrame(event: string, tag: string, data: string): string {
  return `{"event":"${event}","tag":"${tag}","data":${data}}\n`;
}

/**
 * The `message` event of a new message. `conv`, `from` and `to` are canonical names
 * and usernames (no character needs escaping), `sentAt` an ISO time, `clientId` checked.
 */
export function messageFrame(
  id: string,
  conv: string,
  seq: number,
  from: string,
  to: string,
  text: string,
  sentAt: string,
  clientId: string | undefined,
): string {
  const extra = clientId === undefined ? '' : `,"client_id":"${clientId}"`;
  return `{"event":"message","tag":"chat","data":{"id":"${id}","conv":"${conv}","seq":${seq},"from":"${from}","to":"${to}","text":${JSON.stringify(text)},"sent_at":"${sentAt}"${extra}}}\n`;
}

let isoMs = -1;
let iso = '';

/** The ISO 8601 time of `ms`, made once per millisecond. */
export function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}
