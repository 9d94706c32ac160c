// Permission levels from config: an ordered hierarchy and who may grant what.
import type { Config } from './config.ts';

/** Answers questions about the configured permission levels. */
export class Levels {
  private readonly rank: ReadonlyMap<string, number>;
  private readonly grants: ReadonlyMap<string, ReadonlySet<string>>;
  /** The level new accounts get. */
  readonly defaultLevel: string;
  /** The highest level; the last user holding it cannot be demoted. */
  readonly top: string;
  /** The lowest level: actions that need more than it are privileged (and audited). */
  readonly bottom: string;

  constructor(config: Config['levels']) {
    this.rank = new Map(config.order.map((name, i) => [name, i]));
    this.grants = new Map(Object.entries(config.grants).map(([k, v]) => [k, new Set(v)]));
    this.defaultLevel = config.default;
    this.top = config.order[config.order.length - 1] as string;
    this.bottom = config.order[0] as string;
  }

  /** True when the level is configured. */
  exists(level: string): boolean {
    return this.rank.has(level);
  }

  /** True when `level` is at or above `required`; unknown levels never qualify. */
  atLeast(level: string, required: string): boolean {
    const have = this.rank.get(level);
    const need = this.rank.get(required);
    return have !== undefined && need !== undefined && have >= need;
  }

  /** True when `level` is strictly above `other`; unknown levels never are. */
  above(level: string, other: string): boolean {
    return this.atLeast(level, other) && !this.atLeast(other, level);
  }

  /** True when config lets a holder of `granter` give `level`. */
  mayGrant(granter: string, level: string): boolean {
    return this.grants.get(granter)?.has(level) ?? false;
  }

  /** The configured level names, lowest first. */
  names(): string[] {
    return [...this.rank.keys()];
  }
}
