// The one place every request is checked: action, phase and token, level, inputs.
import { errorReply, okReply, type Reply, type Request } from '../../protocol/envelope.ts';
import { ActionError } from '../../protocol/errors.ts';
import { StorageUnavailable } from '../../storage/storage.ts';
import type { Connection } from '../connection.ts';
import { hashToken, sameToken } from '../security/tokens.ts';
import type { Services } from '../services/index.ts';
import type { Session } from '../services/sessions.ts';
import { type Action, type ActionContext, type InputSchema, inputNames } from './define.ts';
import type { ActionRegistry } from './registry.ts';

/** A reply and the work to run once it is sent. */
export interface Outcome {
  reply: Reply;
  after: ReadonlyArray<() => void>;
}

const NOTHING_AFTER: ReadonlyArray<() => void> = [];
/** What a cleared record holds in place of its connection, services and request. */
const NONE = undefined as never;

/**
 * Everything the end of one request needs: who asked, for what, since when, whether to
 * audit it, and the work to run after the reply. One record a request, passed whole
 * instead of eight arguments.
 */
class RequestRecord {
  conn!: Connection;
  services!: Services;
  req!: Request;
  started = 0;
  action: Action | undefined = undefined;
  session: Session | undefined = undefined;
  /** A privileged call by a logged-in user: it goes to the audit log with its outcome. */
  audited = false;
  afterReply: Array<() => void> | undefined = undefined;

  /** Sets the record for one request; returns it. */
  fill(
    conn: Connection,
    services: Services,
    req: Request,
    started: number,
    action: Action | undefined,
    session: Session | undefined,
    audited: boolean,
  ): this {
    this.conn = conn;
    this.services = services;
    this.req = req;
    this.started = started;
    this.action = action;
    this.session = session;
    this.audited = audited;
    this.afterReply = undefined;
    return this;
  }

  /** Drops what the record refers to, so a reused record keeps no connection alive. */
  clear(): void {
    this.fill(NONE, NONE, NONE, 0, undefined, undefined, false);
  }
}

/** The context one request's handler runs with, and its record; a class, so no closures per request. */
class RequestContext extends RequestRecord implements ActionContext {
  after(fn: () => void): void {
    this.afterReply ??= [];
    this.afterReply.push(fn);
  }
}

/**
 * The record of a request refused before its handler ran. Refusals are answered
 * synchronously and keep no reference to it, so one reused record serves them all:
 * a refusal allocates no record of its own.
 */
const refusal = new RequestRecord();

/**
 * Runs one request through every check, in order: resolve the action or
 * alias, check phase and token, check the level, charge the rate limit,
 * parse the inputs, run the handler. Anything a handler throws that is not an ActionError becomes
 * `internal` on the wire and a full log line here. A synchronous handler (ping) is
 * answered synchronously, without a promise; an asynchronous one gives a promise. Each
 * request's action, outcome and time go to the request metrics once, at the end.
 */
export function dispatch(
  registry: ActionRegistry,
  services: Services,
  conn: Connection,
  req: Request,
): Outcome | Promise<Outcome> {
  const started = performance.now();
  let action: Action | undefined;
  let session: Session | undefined;
  let audited = false;
  let input: unknown[];
  try {
    action = registry.resolve(req.action);
    if (!action) throw new ActionError('unknown_action', `no action "${req.action}"`);
    session = authorize(action, conn, req.token, services);
    audited =
      session !== undefined &&
      (action.audited === true || (!!action.level && action.level !== services.levels.bottom));
    if (session && action.level && !services.levels.atLeast(session.user.level, action.level)) {
      throw new ActionError('forbidden', `${action.level} level required`);
    }
    services.rateLimits.take(action.limit, conn.rates);
    input = parseInput(action, req.data);
  } catch (err) {
    const outcome = failed(
      err,
      refusal.fill(conn, services, req, started, action, session, audited),
    );
    refusal.clear();
    return outcome;
  }
  const ctx = new RequestContext().fill(conn, services, req, started, action, session, audited);
  try {
    const data = action.run(ctx, input);
    if (data instanceof Promise) return settle(data, ctx);
    return succeeded(data, ctx);
  } catch (err) {
    return failed(err, ctx);
  }
}

/** The outcome of an asynchronous handler, once it settled. */
async function settle(pending: Promise<unknown>, ctx: RequestContext): Promise<Outcome> {
  try {
    return succeeded(await pending, ctx);
  } catch (err) {
    return failed(err, ctx);
  }
}

/** The ok reply to a request whose handler returned `data`. */
function succeeded(data: unknown, record: RequestRecord): Outcome {
  if (record.audited) audit(record, 'ok');
  record.services.metrics.requests.observe(record.action, 'ok', record.started);
  return {
    reply: okReply(record.req.tag, data ?? null),
    after: record.afterReply ?? NOTHING_AFTER,
  };
}

/** The error reply to a request refused by a check or failed by its handler. */
function failed(thrown: unknown, record: RequestRecord): Outcome {
  const { services, req } = record;
  const after = record.afterReply ?? NOTHING_AFTER;
  // An unreachable database (PostgreSQL down or restarting) is a retry-later, not a bug.
  const unavailable = thrown instanceof StorageUnavailable;
  if (unavailable) {
    services.log.warn(
      { action: req.action, conn: record.conn.id, why: thrown.message },
      'storage unavailable',
    );
  }
  const err = unavailable
    ? new ActionError('server_busy', 'the database is unavailable; try again shortly')
    : thrown;
  const code = err instanceof ActionError ? err.code : 'internal';
  if (record.audited) audit(record, code);
  services.metrics.requests.observe(record.action, code, record.started);
  if (err instanceof ActionError) return { reply: errorReply(req.tag, err), after };
  services.log.error({ err, action: req.action, conn: record.conn.id }, 'action failed');
  return { reply: errorReply(req.tag, new ActionError('internal', 'internal error')), after };
}

/** Records a privileged call by a logged-in user, allowed or refused, with its outcome. */
function audit(record: RequestRecord, outcome: string): void {
  const { action, session, conn } = record;
  const data = record.req.data;
  if (!action || !session) return;
  const show = (i: number | undefined) => {
    if (i === undefined || data[i] === undefined || data[i] === null) return null;
    return typeof data[i] === 'string' ? data[i] : JSON.stringify(data[i]);
  };
  const { target, detail } = action.audit;
  const details = typeof detail === 'number' ? [detail] : (detail ?? []);
  const shown = details.map(show).filter((d) => d !== null);
  record.services.audit.record({
    actor: session.user.username,
    action: action.name,
    target: show(target),
    detail: shown.length > 0 ? shown.join(' ') : null,
    outcome,
    address: conn.ip,
  });
}

/** Checks the token for the action's phase; returns the caller's session for session actions. */
function authorize(
  action: Action,
  conn: Connection,
  token: string | undefined,
  services: Services,
): Session | undefined {
  if (action.phase === 'any') return undefined;
  if (action.phase === 'hello' || (action.phase === 'either' && !conn.session)) {
    if (conn.session) throw new ActionError('already_logged_in', 'this connection has a session');
    if (token === undefined || !conn.isHelloToken(hashToken(token))) {
      throw new ActionError(
        'invalid_token',
        'hello token missing, expired or not this connection’s',
      );
    }
    return undefined;
  }
  if (token === undefined) throw new ActionError('invalid_token', 'session token missing');
  // A session token is valid only on its own connection: compared with that one, no lookup.
  const session = conn.session;
  if (session && sameToken(token, session.token) && services.sessions.isLive(session)) {
    return session;
  }
  if (conn.isHelloToken(hashToken(token)))
    throw new ActionError('not_logged_in', 'log in first (veus, set_user)');
  throw new ActionError('invalid_token', 'session token unknown or not this connection’s');
}

/** Parses `data` with the action's tuple schema; the error names the failing input. */
function parseInput(action: Action, data: unknown[]): unknown[] {
  if (action.fastInput?.(data)) return data;
  const result = action.input.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const index = issue?.path[0];
  if (typeof index !== 'number') {
    throw new ActionError('invalid_input', `inputs: ${describeArity(action.input)}`);
  }
  const name = inputNames(action.input)[index] ?? 'value';
  throw new ActionError(
    'invalid_input',
    `input ${index + 1} (${name}) ${issue?.message ?? 'is invalid'}`,
  );
}

function describeArity(schema: InputSchema): string {
  return `expected [${inputNames(schema).join(', ')}]`;
}
