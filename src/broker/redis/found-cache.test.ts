// The found cache's rules: an answer is kept only when no change of it came during the
// read and the subscriber was listening throughout; a change, `*`, the subscriber going
// away, or the lease's age ends it.
import { describe, expect, it } from 'vitest';
import { FoundCache } from './found-cache.ts';

const bob = { id: 2, username: 'Bob', sessions: 1 };

function cache(maxAgeMs = 15_000) {
  let now = 0;
  const c = new FoundCache(maxAgeMs, () => now);
  c.listen();
  return { c, later: (ms: number) => (now += ms) };
}

describe('FoundCache', () => {
  it('answers with what a read found until a change of that user comes', () => {
    const { c } = cache();
    c.fill('bob', c.expect('bob'), bob);
    expect(c.get('bob')).toEqual(bob);
    c.invalidate('carol');
    expect(c.get('bob')).toEqual(bob);
    c.invalidate('bob');
    expect(c.get('bob')).toBeUndefined();
  });

  it('keeps nothing from a read that a change overtook', () => {
    const { c } = cache();
    const token = c.expect('bob');
    c.invalidate('bob'); // published after Redis answered, heard before the answer
    c.fill('bob', token, bob);
    expect(c.get('bob')).toBeUndefined();
    // Of two reads of one user, only the later one may fill.
    const first = c.expect('bob');
    const second = c.expect('bob');
    c.fill('bob', first, { ...bob, sessions: 5 });
    expect(c.get('bob')).toBeUndefined();
    c.fill('bob', second, bob);
    expect(c.get('bob')).toEqual(bob);
  });

  it('forgets everyone on `*`, and keeps nothing while the subscriber is away', () => {
    const { c } = cache();
    c.fill('bob', c.expect('bob'), bob);
    c.invalidate('*');
    expect(c.get('bob')).toBeUndefined();
    c.fill('bob', c.expect('bob'), bob);
    const during = c.expect('carol');
    c.deafen();
    expect(c.get('bob')).toBeUndefined();
    c.fill('carol', during, { id: 3, username: 'carol', sessions: 1 });
    c.fill('bob', c.expect('bob'), bob);
    expect(c.get('carol')).toBeUndefined();
    expect(c.get('bob')).toBeUndefined();
    c.listen();
    c.fill('bob', c.expect('bob'), bob);
    expect(c.get('bob')).toEqual(bob);
  });

  it('answers no longer than the lease, and its answers cannot be changed by callers', () => {
    const { c, later } = cache(1_000);
    c.fill('bob', c.expect('bob'), bob);
    later(1_000);
    const kept = c.get('bob');
    expect(kept).toEqual(bob);
    expect(Object.isFrozen(kept)).toBe(true);
    later(1);
    expect(c.get('bob')).toBeUndefined();
  });

  it('a read that found nothing leaves nothing behind', () => {
    const { c } = cache();
    const token = c.expect('nobody');
    c.fill('nobody', token);
    c.fill('nobody', token, bob);
    expect(c.get('nobody')).toBeUndefined();
  });
});
