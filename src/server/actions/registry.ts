// The lookup table from action names and aliases to actions, checked at start-up.
import { ConfigError } from '../config.ts';
import type { Levels } from '../levels.ts';
import type { Action } from './define.ts';

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
