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
});
