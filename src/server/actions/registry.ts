// The lookup table from action names and aliases to actions, checked at start-up.
import { ConfigError } from '../config.ts';
import type { Levels } from '../levels.ts';
import { type Action, inputNames } from './define.ts';

/** Resolves names and aliases; construction fails on duplicates or unknown levels. */
export class ActionRegistry {
  private readonly byName = new Map<string, Action>();

  constructor(actions: readonly Action[], levels: Levels) {
    for (const action of actions) {
      if (action.phase === 'session' && !action.level) {
        throw new Error(`action ${action.name}: a session action must declare a level`);
      }
      if (action.level !== undefined && !levels.exists(action.level)) {
        throw new ConfigError(
          `levels.order: action ${action.name} needs level "${action.level}", which is not configured`,
        );
      }
      checkAuditInputs(action);
      for (const name of [action.name, ...action.aliases]) {
        if (this.byName.has(name)) throw new Error(`duplicate action name or alias "${name}"`);
        this.byName.set(name, action);
      }
    }
  }

  /** The action a name or alias refers to. */
  resolve(name: string): Action | undefined {
    return this.byName.get(name);
  }

  /** Every distinct action, in table order. */
  all(): Action[] {
    return [...new Set(this.byName.values())];
  }
}

// Inputs an audit entry must never show: admins read the log (audit_log), so a secret in
// it would leak to them and to every backup of the database.
const SECRET_INPUT = /password|code|token/;

/** Refuses an audit spec that points past the inputs or at a secret one (start-up fails). */
function checkAuditInputs(action: Action): void {
  const names = inputNames(action.input);
  const { target, detail } = action.audit;
  const details = typeof detail === 'number' ? [detail] : (detail ?? []);
  for (const i of target === undefined ? details : [target, ...details]) {
    const name = names[i];
    if (name === undefined)
      throw new Error(`action ${action.name}: audit input ${i} does not exist`);
    if (SECRET_INPUT.test(name)) {
      throw new Error(`action ${action.name}: audit entries must not show the ${name} input`);
    }
  }
}
