// How an action is declared: its name, aliases, phase, level, inputs and handler.
import type { z } from 'zod';
import type { Connection } from '../connection.ts';
import type { Services } from '../services/index.ts';
import type { LimitClass } from '../services/rate-limits.ts';
import type { Session } from '../services/sessions.ts';

/** When an action may run: always, during login (hello token), or with a session. */
export type Phase = 'any' | 'hello' | 'session';

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
  /** For the audit log of privileged actions: which inputs name the target and the detail. */
  audit?: AuditInputs;
}

/** Positions (0-based) of the inputs an audit entry shows. */
export interface AuditInputs {
  target?: number;
  detail?: number;
}

/** A session action must name its minimum level. */
export interface SessionActionSpec<S extends InputSchema> extends Common<S> {
  phase: 'session';
  level: string;
  run(ctx: SessionContext, input: z.output<S>): unknown;
}

/** A login-phase or any-phase action has no level. */
export interface OpenActionSpec<S extends InputSchema> extends Common<S> {
  phase: 'any' | 'hello';
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
  readonly audit: AuditInputs;
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
    audit: spec.audit ?? {},
    run: spec.run as Action['run'],
  };
}
