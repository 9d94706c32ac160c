import { describe, expect, it } from 'vitest';
import { TimeSlicer } from './time-slicer.ts';

describe('TimeSlicer', () => {
  it('lets work go on within a slice and makes every job wait once it is used up', async () => {
    let t = 0;
    const slicer = new TimeSlicer(4, () => t);
    // The first look starts a slice in a later turn.
    const first = slicer.pause();
    expect(first).toBeInstanceOf(Promise);
    // Every job asking meanwhile waits for the same slice.
    expect(slicer.pause()).toBe(first);
    await first;
    t += 3;
    expect(slicer.pause()).toBeUndefined();
    t += 1;
    const second = slicer.pause();
    expect(second).toBeInstanceOf(Promise);
    await second;
    expect(slicer.pause()).toBeUndefined();
  });

  it('runs jobs one at a time, each yielding when the slice it looked at is used up', async () => {
    let t = 0;
    const slicer = new TimeSlicer(4, () => t);
    const order: string[] = [];
    const job = (name: string, steps: number) =>
      slicer.run(async () => {
        for (let i = 0; i < steps; i++) {
          await slicer.turn();
          order.push(`${name}${i}`);
          t += 3;
        }
        return name;
      });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    expect(await Promise.all([job('a', 3), job('b', 2)])).toEqual(['a', 'b']);
    clearInterval(ticker);
    // Jobs never interleave, and no slice holds more than 4 ms of work (two steps of 3 ms
    // never share one): the loop got turns between them.
    expect(order).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
  });
});
