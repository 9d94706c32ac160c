import { describe, expect, it } from 'vitest';
import { HashGate } from './hash-gate.ts';

/** A task the test finishes by hand. */
function deferred() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { task: () => done, finish };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('HashGate', () => {
  it('runs up to maxRunning at once, queues up to maxWaiting and refuses the rest', async () => {
    const gate = new HashGate(2, 1);
    const tasks = [deferred(), deferred(), deferred()];
    const runs = tasks.map((t) => gate.run(t.task));
    await tick();
    expect(gate.load).toEqual({ running: 2, waiting: 1 });
    await expect(gate.run(async () => 'x')).rejects.toMatchObject({ code: 'server_busy' });
    tasks[0]?.finish();
    await tick();
    expect(gate.load).toEqual({ running: 2, waiting: 0 });
    for (const t of tasks) t.finish();
    await Promise.all(runs);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
    expect(await gate.run(async () => 'after')).toBe('after');
  });

  it('frees the slot when a task fails', async () => {
    const gate = new HashGate(1, 0);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 1)).toBe(1);
  });
});
