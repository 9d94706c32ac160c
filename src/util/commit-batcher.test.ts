import { describe, expect, it } from 'vitest';
import { CommitBatcher } from './commit-batcher.ts';

describe('CommitBatcher', () => {
  it('commits the items of one turn in one call and answers each after it', async () => {
    const groups: number[][] = [];
    const b = new CommitBatcher<number, string>((items) => {
      groups.push([...items]);
      return items.map((n) => `ok ${n}`);
    });
    const first = [b.add(1), b.add(2), b.add(3)];
    let answered = false;
    void first[0]?.then(() => {
      answered = true;
    });
    await Promise.resolve();
    expect(answered).toBe(false);
    expect(groups).toEqual([]);
    expect(await Promise.all(first)).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(groups).toEqual([[1, 2, 3]]);
    expect(await b.add(4)).toBe('ok 4');
    expect(groups).toEqual([[1, 2, 3], [4]]);
    expect(b.commits).toBe(2);
    expect(b.items).toBe(4);
  });

  it('fails every item of a group whose commit fails, and goes on with the next', async () => {
    let fail = true;
    const b = new CommitBatcher<number, number>((items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const results = await Promise.allSettled([b.add(1), b.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await b.add(3)).toBe(3);
  });

  it('commits at once when a group reaches its maximum size', async () => {
    const groups: number[][] = [];
    const b = new CommitBatcher<number, number>((items) => {
      groups.push([...items]);
      return items;
    }, 2);
    const all = [b.add(1), b.add(2), b.add(3)];
    expect(groups).toEqual([[1, 2]]);
    await Promise.all(all);
    expect(groups).toEqual([[1, 2], [3]]);
  });

  it('records the longest commit with the injected clock', async () => {
    let t = 0;
    const b = new CommitBatcher<number, number>(
      (items) => {
        t += 7;
        return items;
      },
      100,
      () => t,
    );
    await b.add(1);
    expect(b.longestCommitMs).toBe(7);
  });
  it('runs one commit at a time: what comes meanwhile waits and goes in one next group', async () => {
    const groups: number[][] = [];
    const open: Array<() => void> = [];
    let running = 0;
    let most = 0;
    const b = new CommitBatcher<number, number>(async (items) => {
      groups.push([...items]);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => open.push(resolve));
      running--;
      return items;
    });
    const first = b.add(1);
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1]]);
    // Three more turns while the first commit is on its way: none starts its own.
    const later: Array<Promise<number>> = [];
    for (let n = 2; n <= 4; n++) {
      later.push(b.add(n));
      await new Promise((r) => setImmediate(r));
    }
    expect(groups).toEqual([[1]]);
    open.shift()?.();
    expect(await first).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1], [2, 3, 4]]);
    const flushed = b.flush();
    open.shift()?.();
    await flushed;
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
    expect(most).toBe(1);
  });

  it('flush waits for the commit on its way and every group behind it', async () => {
    const open: Array<() => void> = [];
    const done: number[] = [];
    const b = new CommitBatcher<number, number>(async (items) => {
      await new Promise<void>((resolve) => open.push(resolve));
      done.push(...items);
      return items;
    }, 2);
    const all = [1, 2, 3, 4, 5].map((n) => b.add(n));
    let flushed = false;
    const flushing = b.flush().then(() => {
      flushed = true;
    });
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      expect(flushed).toBe(false);
      open.shift()?.();
    }
    await flushing;
    expect(done).toEqual([1, 2, 3, 4, 5]);
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5]);
  });
});
