// The one place every request is checked: action, phase and token, level, inputs.
import { errorReply, okReply, type Reply, type Request } from '../../protocol/envelope.ts';
import { ActionError } from '../../protocol/errors.ts';
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

/** The context one request's handler runs with; a class, so no closures per request. */
class RequestContext implements ActionContext {
  afterReply: Array<() => void> | undefined;

  constructor(
    readonly conn: Connection,
    readonly services: Services,
    readonly session: Session | undefined,
  ) {}

  after(fn: () => void): void {
    this.afterReply ??= [];
    this.afterReply.push(fn);
  }
}

/** A privileged call to record in the audit log with its outcome. */
interface Audited {
  action: Action;
  session: Session;
}

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
  let audited: Audited | undefined;
  let ctx: RequestContext | undefined;
  try {
    action = registry.resolve(req.action);
    if (!action) throw new ActionError('unknown_action', `no action "${req.action}"`);
    const session = authorize(action, conn, req.token, services);
    if (session && (action.audited || (action.level && action.level !== services.levels.bottom))) {
      audited = { action, session };
    }
    if (session && action.level && !services.levels.atLeast(session.user.level, action.level)) {
      throw new ActionError('forbidden', `${action.level} level required`);
    }
    services.rateLimits.take(action.limit, conn.rates);
    const input = parseInput(action, req.data);
    ctx = new RequestContext(conn, services, session);
    const data = action.run(ctx, input);
    if (data instanceof Promise) {
      return settle(data, services, conn, req, ctx, audited, action, started);
    }
    return succeeded(data, services, conn, req, ctx, audited, action, started);
  } catch (err) {
    return failed(err, services, conn, req, ctx, audited, action, started);
  }
}

/** The outcome of an asynchronous handler, once it settled. */
async function settle(
  pending: Promise<unknown>,
  services: Services,
  conn: Connection,
  req: Request,
  ctx: RequestContext,
  audited: Audited | undefined,
  action: Action,
  started: number,
): Promise<Outcome> {
  try {
    return succeeded(await pending, services, conn, req, ctx, audited, action, started);
  } catch (err) {
    return failed(err, services, conn, req, ctx, audited, action, started);
  }
}

function succeeded(
  data: unknown,
  services: Services,
  conn: Connection,
  req: Request,
  ctx: RequestContext,
  audited: Audited | undefined,
  action: Action,
  started: number,
): Outcome {
  if (audited) audit(services, conn, audited, req.data, 'ok');
  services.metrics.requests.observe(action, 'ok', started);
  return { reply: okReply(req.tag, data ?? null), after: ctx.afterReply ?? NOTHING_AFTER };
}

function failed(
  err: unknown,
  services: Services,
  conn: Connection,
  req: Request,
  ctx: RequestContext | undefined,
  audited: Audited | undefined,
  action: Action | undefined,
  started: number,
): Outcome {
  const after = ctx?.afterReply ?? NOTHING_AFTER;
  const code = err instanceof ActionError ? err.code : 'internal';
  if (audited) audit(services, conn, audited, req.data, code);
  services.metrics.requests.observe(action, code, started);
  if (err instanceof ActionError) return { reply: errorReply(req.tag, err), after };
  services.log.error({ err, action: req.action, conn: conn.id }, 'action failed');
  return { reply: errorReply(req.tag, new ActionError('internal', 'internal error')), after };
}

/** Records a privileged call by a logged-in user, allowed or refused, with its outcome. */
function audit(
  services: Services,
  conn: Connection,
  { action, session }: Audited,
  data: unknown[],
  outcome: string,
): void {
  const show = (i: number | undefined) => {
    if (i === undefined || data[i] === undefined || data[i] === null) return null;
    return typeof data[i] === 'string' ? data[i] : JSON.stringify(data[i]);
  };
  const { target, detail } = action.audit;
  const details = typeof detail === 'number' ? [detail] : (detail ?? []);
  const shown = details.map(show).filter((d) => d !== null);
  services.audit.record({
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
  if (action.phase === 'hello') {
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
