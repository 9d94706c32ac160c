import { describe, expect, it } from 'vitest';
import { ReplyQueue } from './reply-queue.ts';

describe('ReplyQueue', () => {
  it('hands results on in push order, whatever order they finish in', async () => {
    const out: string[] = [];
    const q = new ReplyQueue<string>((s) => out.push(s));
    let finishFirst: (s: string) => void = () => {};
    q.push(
      new Promise<string>((resolve) => {
        finishFirst = resolve;
      }),
    );
    q.push(Promise.resolve('second'));
    q.push('third');
    await Promise.resolve();
    expect(out).toEqual([]);
    expect(q.size).toBe(3);
    const drained = q.drained();
    finishFirst('first');
    await drained;
    expect(out).toEqual(['first', 'second', 'third']);
    expect(q.size).toBe(0);
    q.push('now');
    await q.drained();
    expect(out.at(-1)).toBe('now');
  });
});
