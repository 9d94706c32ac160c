// Request rate limits per connection and action class: a steady window plus a
// burst allowance, counted synchronously on the connection itself. A
// connection lives in one process, so these never need a shared store (the
// per-account and per-address limits are elsewhere); and the check costs no
// promise, timer or map entry on the hot path.
import { ActionError } from '../../protocol/errors.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';

/** The action classes config gives limits to. */
export type LimitClass = keyof Omit<Config['rate_limits'], 'excess_disconnect_s'>;

/**
 * One connection's windows: per class, a steady then a burst fixed window, each
 * two numbers (requests counted, ms it ends). One flat array of numbers: nine
 * small objects per connection cost about 500 bytes, this about 150.
 */
export type RateState = number[];

/** Where a class's four numbers start in a RateState. */
const OFFSET: Record<LimitClass, number> = { chat: 0, default: 4, auth: 8 };
const STATE_LENGTH = 12;
/** Within a class: steady window at +0 (used) and +1 (ends at), burst window at +2 and +3. */
const BURST = 2;

/** Fresh windows for a new connection. */
export function newRateState(): RateState {
  return new Array<number>(STATE_LENGTH).fill(0);
}

/**
 * Counts one request in the window at `at` (used) and `at + 1` (ends at);
 * returns 0 when it fits, else the ms until the window ends. Like a
 * fixed-window limiter, refused requests count too.
 */
function count(state: RateState, at: number, points: number, durationMs: number, now: number) {
  let endsAt = state[at + 1] as number;
  if (now >= endsAt) {
    state[at] = 0;
    endsAt = now + durationMs;
    state[at + 1] = endsAt;
  }
  const used = (state[at] as number) + 1;
  state[at] = used;
  return used <= points ? 0 : endsAt - now;
}

/** Charges requests against their class's limits; over them, `rate_limited` with `retry_after_ms`. */
export class RateLimits {
  constructor(
    private readonly config: Config['rate_limits'],
    private readonly clock: Clock,
  ) {}

  /** Takes one request of `cls` for a connection's state; throws rate_limited when over. */
  take(cls: LimitClass, state: RateState): void {
    const c = this.config[cls];
    const now = this.clock.now();
    const at = OFFSET[cls];
    const steadyWait = count(state, at, c.points, c.duration_s * 1000, now);
    if (steadyWait === 0) return;
    // Over the steady rate: the burst allowance may still cover it.
    const burstWait =
      c.burst_points === 0
        ? steadyWait
        : count(state, at + BURST, c.burst_points, c.burst_duration_s * 1000, now);
    if (burstWait === 0) return;
    throw new ActionError(
      'rate_limited',
      `too many ${cls} requests; slow down`,
      Math.min(steadyWait, burstWait),
    );
  }
}

/** A connection is over its limits only with at least this many refusals in the window. */
export const EXCESS_MIN_REFUSED = 5;
/** The window is counted in this many slices, so a reply costs a few additions, not a list. */
const EXCESS_SLICES = 10;

/**
 * Watches one connection's replies for continued excess. The connection is
 * *over its limits* while, over the last `excess_disconnect_s` seconds, more
 * than half of its requests were answered rate_limited and at least
 * EXCESS_MIN_REFUSED were; one that stays over them for another
 * `excess_disconnect_s` is to be disconnected. A burst alone never is: by the
 * time the hold has run out, the burst has left the window.
 */
export class ExcessTracker {
  private readonly sliceMs: number;
  /**
   * Per slice i: [3i] its number (-1: never used), [3i+1] replies, [3i+2] refused.
   * One plain array: three typed arrays cost about 800 bytes per connection, this 290.
   */
  private readonly slices: number[] = new Array<number>(EXCESS_SLICES * 3);
  private overSince: number | undefined;

  constructor(private readonly windowMs: number) {
    this.sliceMs = windowMs / EXCESS_SLICES;
    for (let i = 0; i < EXCESS_SLICES * 3; i++) this.slices[i] = i % 3 === 0 ? -1 : 0;
  }

  /** Counts one reply at `now`; true when the connection has stayed over its limits long enough. */
  record(now: number, limited: boolean): boolean {
    const slices = this.slices;
    const current = Math.floor(now / this.sliceMs);
    const at = (current % EXCESS_SLICES) * 3;
    if (slices[at] !== current) {
      slices[at] = current;
      slices[at + 1] = 0;
      slices[at + 2] = 0;
    }
    slices[at + 1] = (slices[at + 1] as number) + 1;
    if (limited) slices[at + 2] = (slices[at + 2] as number) + 1;
    let total = 0;
    let refused = 0;
    for (let i = 0; i < EXCESS_SLICES * 3; i += 3) {
      if ((slices[i] as number) <= current - EXCESS_SLICES) continue;
      total += slices[i + 1] as number;
      refused += slices[i + 2] as number;
    }
    if (refused < EXCESS_MIN_REFUSED || refused * 2 <= total) {
      this.overSince = undefined;
      return false;
    }
    this.overSince ??= now;
    return now - this.overSince >= this.windowMs;
  }
}
