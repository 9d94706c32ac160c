// Parses request frames and builds reply and event frames (PROTOCOL.md sections 1-4).
import { ActionError, type ErrorCode } from './errors.ts';

/** The protocol version reported in the hello. */
export const PROTOCOL_VERSION = 1;

/** Deepest allowed nesting; the envelope object itself is depth 1. */
export const MAX_DEPTH = 8;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A well-formed request envelope. */
export interface Request {
  action: string;
  data: unknown[];
  tag: string;
  token: string | undefined;
}

/** A reply frame, success or failure. */
export type Reply =
  | { tag: string | null; ok: true; data: unknown }
  | {
      tag: string | null;
      ok: false;
      error: { code: ErrorCode; message: string; retry_after_ms?: number };
    };

/** Every reason the server gives in a `disconnect` event (also the metrics' label values). */
export const DISCONNECT_REASONS = [
  'login_timeout',
  'heartbeat_timeout',
  'too_many_errors',
  'too_many_login_attempts',
  'slow_consumer',
  'logged_out',
  'session_replaced',
  'kicked',
  'password_changed',
  'banned',
  'account_deleted',
] as const;

/** Why the server closes a connection, as sent in the `disconnect` event. */
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

/** An unrequested server frame. */
export interface Event {
  event: string;
  tag: string;
  data: unknown;
}

/** The outcome of parsing one frame: a request, or an error with whatever tag was readable. */
export type ParseResult =
  | { ok: true; request: Request }
  | { ok: false; tag: string | null; error: ActionError };

/** Parses one frame's text into a request envelope. */
export function parseRequest(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(null, 'bad_json', 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(null, 'bad_json', 'frame is not a JSON object');
  }
  const obj = value as Record<string, unknown>;
  const tag = isTag(obj.tag) ? obj.tag : null;
  const shapeProblem = checkShape(obj);
  if (shapeProblem) return fail(tag, 'bad_request', shapeProblem);
  if (tag === null)
    return fail(null, 'bad_request', `tag must be a string of 1-${MAX_TAG_CODE_POINTS} characters`);
  if (typeof obj.action !== 'string' || obj.action.length === 0) {
    return fail(tag, 'bad_request', 'action must be a non-empty string');
  }
  const data = obj.data === undefined ? [] : obj.data;
  if (!Array.isArray(data)) return fail(tag, 'bad_request', 'data must be a list');
  if (obj.token !== undefined && typeof obj.token !== 'string') {
    return fail(tag, 'bad_request', 'token must be a string');
  }
  return { ok: true, request: { action: obj.action, data, tag, token: obj.token } };
}

/** Longest tag, in Unicode code points (as text lengths are counted). */
export const MAX_TAG_CODE_POINTS = 64;

function isTag(tag: unknown): tag is string {
  if (typeof tag !== 'string' || tag.length === 0) return false;
  // UTF-16 length is at least the code point count and at most twice it: only the
  // range between needs counting.
  if (tag.length <= MAX_TAG_CODE_POINTS) return true;
  if (tag.length > 2 * MAX_TAG_CODE_POINTS) return false;
  let points = 0;
  for (const _ of tag) points++;
  return points <= MAX_TAG_CODE_POINTS;
}

function fail(tag: string | null, code: ErrorCode, message: string): ParseResult {
  return { ok: false, tag, error: new ActionError(code, message) };
}

/** Returns why the value nests too deep or holds a forbidden key, or null when it is fine. */
function checkShape(root: object): string | null {
  return shapeOf(root, 1);
}

/**
 * The check of one node, without a work list: an object's own keys first, then its
 * children last to first (the order a stack of them would take), so a frame with
 * several faults is refused for the same one as always. Recursion is bounded by
 * MAX_DEPTH.
 */
function shapeOf(node: unknown, depth: number): string | null {
  if (typeof node !== 'object' || node === null) return null;
  if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH}`;
  if (Array.isArray(node)) {
    for (let i = node.length - 1; i >= 0; i--) {
      const problem = shapeOf(node[i], depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  const keys = Object.keys(node);
  for (const key of keys) if (FORBIDDEN_KEYS.has(key)) return `key "${key}" is not allowed`;
  for (let i = keys.length - 1; i >= 0; i--) {
    const problem = shapeOf((node as Record<string, unknown>)[keys[i] as string], depth + 1);
    if (problem) return problem;
  }
  return null;
}

/** A success reply. */
export function okReply(tag: string, data: unknown): Reply {
  return { tag, ok: true, data };
}

/**
 * Reply data already serialised as JSON (a hot action's template), embedded in the
 * reply line as is; anything that stringifies it generically gets the same value.
 */
export class JsonText {
  constructor(readonly json: string) {}

  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** A reply as one newline-terminated line: the bytes JSON.stringify of it gives, built faster. */
export function replyLine(reply: Reply): string {
  if (!reply.ok) return `${JSON.stringify(reply)}\n`;
  const { data } = reply;
  const json = data instanceof JsonText ? data.json : JSON.stringify(data);
  return `{"tag":${JSON.stringify(reply.tag)},"ok":true,"data":${json}}\n`;
}

/** A failure reply carrying an ActionError's code and message. */
export function errorReply(tag: string | null, error: ActionError): Reply {
  const body: { code: ErrorCode; message: string; retry_after_ms?: number } = {
    code: error.code,
    message: error.message,
  };
  if (error.retryAfterMs !== undefined) body.retry_after_ms = error.retryAfterMs;
  return { tag, ok: false, error: body };
}

/** An event frame. */
export function event(name: string, tag: string, data: unknown): Event {
  return { event: name, tag, data };
}
