// How an action is declared: its name, aliases, phase, level, inputs and handler.
import { z } from 'zod';
import type { Connection } from '../connection.ts';
import type { Services } from '../services/index.ts';
import type { LimitClass } from '../services/rate-limits.ts';
import type { Session } from '../services/sessions.ts';
import type { FastCheck } from './fast-inputs.ts';

/**
 * When an action may run: always (no token), during login (hello token), with a session, or
 * either (the hello token before login, the session token after; oidc_wait).
 */
export type Phase = 'any' | 'hello' | 'session' | 'either';

/** What every handler receives besides its input. */
export interface ActionContext {
  readonly conn: Connection;
  readonly services: Services;
  /** Runs `fn` right after the reply is sent (closing, shutting down). */
  after(fn: () => void): void;
}

/** The context of a session action: the caller's session is guaranteed. */
export interface SessionContext extends ActionContext {
  readonly session: Session;
}

/** The input schema: a zod tuple whose items are described with their input names. */
export type InputSchema = z.ZodType<unknown[]>;

interface Common<S extends InputSchema> {
  name: string;
  aliases?: readonly string[];
  /** The rate-limit class; `auth` for login-phase actions and `default` otherwise if omitted. */
  limit?: LimitClass;
  input: S;
  /** A hot action's hand-written check, accepting exactly what `input` does (zod words refusals). */
  fastInput?: FastCheck;
  /**
   * For the audit log: which inputs name the target and the detail. Actions above the
   * lowest level are always audited; an action of the lowest level is when this is given
   * (group moderation: any user may moderate a group they own).
   */
  audit?: AuditInputs;
  /**
   * May start while earlier requests of the connection still wait (their replies keep
   * their order): for actions whose effects order themselves, like message_user's
   * group commit. Every other request waits until all earlier replies were sent.
   */
  pipelined?: boolean;
}

/** Positions (0-based) of the inputs an audit entry shows (several details: joined by spaces). */
export interface AuditInputs {
  target?: number;
  detail?: number | readonly number[];
}

/** A session action must name its minimum level. */
export interface SessionActionSpec<S extends InputSchema> extends Common<S> {
  phase: 'session';
  level: string;
  run(ctx: SessionContext, input: z.output<S>): unknown;
}

/** A login-phase or any-phase action has no level. */
export interface OpenActionSpec<S extends InputSchema> extends Common<S> {
  phase: 'any' | 'hello' | 'either';
  run(ctx: ActionContext, input: z.output<S>): unknown;
}

/** An action as the registry and dispatch see it. */
export interface Action {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly phase: Phase;
  readonly level: string | undefined;
  readonly limit: LimitClass;
  readonly input: InputSchema;
  readonly fastInput: FastCheck | undefined;
  readonly audit: AuditInputs;
  /** Audited whatever its level (the spec named its audit inputs). */
  readonly audited: boolean;
  readonly pipelined: boolean;
  run(ctx: ActionContext | SessionContext, input: unknown[]): unknown;
}

/** Declares an action; one file per action, listed in actions/index.ts. */
export function defineAction<S extends InputSchema>(
  spec: SessionActionSpec<S> | OpenActionSpec<S>,
): Action {
  return {
    name: spec.name,
    aliases: spec.aliases ?? [],
    phase: spec.phase,
    level: spec.phase === 'session' ? spec.level : undefined,
    limit: spec.limit ?? (spec.phase === 'hello' ? 'auth' : 'default'),
    input: spec.input,
    fastInput: spec.fastInput,
    audit: spec.audit ?? {},
    audited: spec.audit !== undefined,
    pipelined: spec.pipelined ?? false,
    run: spec.run as Action['run'],
  };
}

/**
 * The described names of a tuple schema's items, looking through `.nullable()` and
 * `.optional()`; an optional one ends in `?` (`before_seq?`).
 */
export function inputNames(schema: InputSchema): string[] {
  const items = schema instanceof z.ZodTuple ? (schema.def.items as z.ZodType[]) : [];
  return items.map((item) => {
    let inner: z.ZodType | undefined = item;
    while (inner && inner.description === undefined) {
      inner = (inner.def as { innerType?: z.ZodType }).innerType;
    }
    const name = inner?.description ?? 'value';
    return item.def.type === 'optional' ? `${name}?` : name;
  });
}
