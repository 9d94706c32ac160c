// Every check of the hot path, in the real server's order (docs/protocol.md 1–5):
// JSON object → envelope (tag, action, data, keys, depth) → action → phase and
// token (compared with the connection's own in constant time) → level → rate limit;
// the action checks its own inputs by hand.
import type { Connection, RateClass } from './connection.ts';
import { errorFrame, isBoundedText, rateLimitedFrame } from './frames.ts';

/** One action the baseline speaks. */
export interface BaselineAction {
  /** 'any': no token needed; 'hello': the hello token; 'session': the session token. */
  phase: 'any' | 'hello' | 'session';
  /** The minimum level rank (session actions). */
  minRank: number;
  limit: RateClass;
  /** Checks the inputs, acts and pushes the reply; a promise pauses the connection's reading. */
  run(conn: Connection, data: unknown[], tag: string): Promise<void> | undefined;
}

/** Keys refused anywhere in a frame (docs/protocol.md 1). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** The envelope object is depth 1. */
const MAX_DEPTH = 8;
const MAX_TAG_CODE_POINTS = 64;

/** Why `value` (at `depth`) is not an acceptable frame part, or undefined. */
function shapeProblem(value: object, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = itemProblem(item, depth);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const key in value) {
    if (FORBIDDEN_KEYS.has(key)) return `key "${key}" is not allowed`;
    const problem = itemProblem((value as Record<string, unknown>)[key], depth);
    if (problem) return problem;
  }
  return undefined;
}

/** Why an item of a part at `depth` is not acceptable: only objects and arrays are looked into. */
function itemProblem(item: unknown, depth: number): string | undefined {
  return typeof item === 'object' && item !== null ? shapeProblem(item, depth + 1) : undefined;
}

/** Compares two strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Answers the token check's failure, or undefined when `token` may run `action`. */
function tokenProblem(
  conn: Connection,
  action: BaselineAction,
  token: unknown,
): string | undefined {
  if (action.phase === 'any') return undefined;
  if (action.phase === 'hello') {
    if (conn.phase === 'session') return 'already_logged_in';
    if (typeof token !== 'string' || !constantTimeEqual(token, conn.token)) return 'invalid_token';
    return undefined;
  }
  if (typeof token !== 'string') return 'invalid_token:session token missing';
  if (!constantTimeEqual(token, conn.token)) return 'invalid_token:session';
  return conn.phase === 'session' ? undefined : 'not_logged_in';
}

const TOKEN_MESSAGES: Record<string, [string, string]> = {
  already_logged_in: ['already_logged_in', 'this connection already has a session'],
  invalid_token: ['invalid_token', 'token unknown or not this connection’s'],
  'invalid_token:session': ['invalid_token', 'session token unknown or not this connection’s'],
  'invalid_token:session token missing': ['invalid_token', 'session token missing'],
  not_logged_in: ['not_logged_in', 'log in first (veus, then set_user)'],
};

/** Builds the line handler of a server with `actions`. */
export function makeDispatcher(actions: ReadonlyMap<string, BaselineAction>) {
  return function onLine(conn: Connection, line: string): Promise<void> | undefined {
    let frame: unknown;
    try {
      frame = JSON.parse(line);
    } catch {
      conn.protocolError(null, 'bad_json', 'frame is not valid JSON');
      return undefined;
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      conn.protocolError(null, 'bad_json', 'frame is not a JSON object');
      return undefined;
    }
    const envelope = frame as Record<string, unknown>;
    const tag = envelope.tag;
    if (!isBoundedText(tag, MAX_TAG_CODE_POINTS)) {
      conn.protocolError(null, 'bad_request', 'tag must be a string of 1-64 characters');
      return undefined;
    }
    const problem = shapeProblem(envelope, 1);
    if (problem) {
      conn.protocolError(tag, 'bad_request', problem);
      return undefined;
    }
    const name = envelope.action;
    if (typeof name !== 'string') {
      conn.protocolError(tag, 'bad_request', 'action must be a string');
      return undefined;
    }
    const data = envelope.data === undefined ? [] : envelope.data;
    if (!Array.isArray(data)) {
      conn.protocolError(tag, 'bad_request', 'data must be a list');
      return undefined;
    }
    const action = actions.get(name);
    if (!action) {
      conn.protocolError(tag, 'unknown_action', `no action ${JSON.stringify(name)}`);
      return undefined;
    }
    const refused = tokenProblem(conn, action, envelope.token);
    if (refused) {
      const [code, message] = TOKEN_MESSAGES[refused] as [string, string];
      conn.push(errorFrame(tag, code, message));
      return undefined;
    }
    if (action.phase === 'session' && (conn.account?.rank ?? 0) < action.minRank) {
      conn.push(errorFrame(tag, 'forbidden', 'level too low'));
      return undefined;
    }
    const retryAfterMs = conn.rates[action.limit].take(conn.lastSeenMs);
    if (retryAfterMs > 0) {
      conn.push(rateLimitedFrame(tag, retryAfterMs));
      return undefined;
    }
    return action.run(conn, data, tag);
  };
}
