// Requests by action and outcome: one latency histogram child per pair, bound on
// first use and kept, so a request costs a Map lookup and an array increment.
import type { ErrorCode } from '../../protocol/errors.ts';
import type { Action } from '../actions/define.ts';
import type { FastHistogram, HistogramChild } from './fast-histogram.ts';

/** A request's outcome label: `ok` or the error code of the reply. */
export type RequestOutcome = 'ok' | ErrorCode;

/** The action label of a request naming no known action (its name is never a label). */
export const UNKNOWN_ACTION = 'unknown';

class ActionSlot {
  private ok: HistogramChild | undefined;
  private readonly errors = new Map<RequestOutcome, HistogramChild>();

  constructor(
    private readonly histogram: FastHistogram<'action' | 'outcome'>,
    private readonly action: string,
  ) {}

  child(outcome: RequestOutcome): HistogramChild {
    if (outcome === 'ok') {
      this.ok ??= this.histogram.child({ action: this.action, outcome });
      return this.ok;
    }
    let child = this.errors.get(outcome);
    if (!child) {
      child = this.histogram.child({ action: this.action, outcome });
      this.errors.set(outcome, child);
    }
    return child;
  }
}

/**
 * Counts and times requests. Labels are bounded: the action is one of the registry's
 * (by its name, never an alias) or `unknown`; the outcome one of the error codes.
 */
export class RequestMetrics {
  private readonly byAction = new Map<Action, ActionSlot>();
  private readonly unknown: ActionSlot;

  constructor(histogram: FastHistogram<'action' | 'outcome'>, actions: readonly Action[]) {
    for (const action of actions) this.byAction.set(action, new ActionSlot(histogram, action.name));
    this.unknown = new ActionSlot(histogram, UNKNOWN_ACTION);
  }

  /** Records one request that started at `startedMs` (performance.now()) and ended now. */
  observe(action: Action | undefined, outcome: RequestOutcome, startedMs: number): void {
    const slot = (action && this.byAction.get(action)) || this.unknown;
    slot.child(outcome).observe((performance.now() - startedMs) / 1000);
  }
}
