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

/** A fixed window: how many requests it counted and when it ends (ms). */
interface Window {
  used: number;
  endsAt: number;
}

/** One connection's windows, per class: steady, then burst. */
export type RateState = Record<LimitClass, { steady: Window; burst: Window }>;

/** Fresh windows for a new connection. */
export function newRateState(): RateState {
  const pair = () => ({ steady: { used: 0, endsAt: 0 }, burst: { used: 0, endsAt: 0 } });
  return { chat: pair(), default: pair(), auth: pair() };
}

/**
 * Counts one request in a window; returns 0 when it fits, else the ms until the
 * window ends. Like a fixed-window limiter, refused requests count too.
 */
function count(w: Window, points: number, durationMs: number, now: number): number {
  if (now >= w.endsAt) {
    w.used = 0;
    w.endsAt = now + durationMs;
  }
  w.used++;
  return w.used <= points ? 0 : w.endsAt - now;
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
    const windows = state[cls];
    const steadyWait = count(windows.steady, c.points, c.duration_s * 1000, now);
    if (steadyWait === 0) return;
    // Over the steady rate: the burst allowance may still cover it.
    const burstWait =
      c.burst_points === 0
        ? steadyWait
        : count(windows.burst, c.burst_points, c.burst_duration_s * 1000, now);
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
  private readonly slice = new Float64Array(EXCESS_SLICES).fill(-1);
  private readonly total = new Uint32Array(EXCESS_SLICES);
  private readonly refused = new Uint32Array(EXCESS_SLICES);
  private overSince: number | undefined;

  constructor(private readonly windowMs: number) {
    this.sliceMs = windowMs / EXCESS_SLICES;
  }

  /** Counts one reply at `now`; true when the connection has stayed over its limits long enough. */
  record(now: number, limited: boolean): boolean {
    const current = Math.floor(now / this.sliceMs);
    const at = current % EXCESS_SLICES;
    if (this.slice[at] !== current) {
      this.slice[at] = current;
      this.total[at] = 0;
      this.refused[at] = 0;
    }
    (this.total[at] as number)++;
    if (limited) (this.refused[at] as number)++;
    let total = 0;
    let refused = 0;
    for (let i = 0; i < EXCESS_SLICES; i++) {
      if ((this.slice[i] as number) <= current - EXCESS_SLICES) continue;
      total += this.total[i] as number;
      refused += this.refused[i] as number;
    }
    if (refused < EXCESS_MIN_REFUSED || refused * 2 <= total) {
      this.overSince = undefined;
      return false;
    }
    this.overSince ??= now;
    return now - this.overSince >= this.windowMs;
  }
}
