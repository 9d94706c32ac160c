// systemClock in Node (unref'd timers) and with a browser's setTimeout (a number, no unref).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.ts';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('systemClock', () => {
  it("unrefs Node's timers so they never keep the process alive", () => {
    const handle = systemClock.setTimer(() => {}, 60_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimer(handle);
  });

  it('works with a browser-style setTimeout that returns a number', () => {
    const due: Array<() => void> = [];
    const cleared: unknown[] = [];
    vi.stubGlobal('setTimeout', (fn: () => void) => due.push(fn));
    vi.stubGlobal('clearTimeout', (h: unknown) => cleared.push(h));
    let fired = 0;
    const handle = systemClock.setTimer(() => fired++, 10);
    expect(handle).toBe(1);
    due[0]?.();
    expect(fired).toBe(1);
    systemClock.clearTimer(handle);
    expect(cleared).toEqual([1]);
  });
});
