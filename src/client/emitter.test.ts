import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter.ts';

type Events = { message: [string]; pair: [number, number] };

describe('Emitter', () => {
  it('calls listeners in order, prepended first, once only once, off removes', () => {
    const e = new Emitter<Events>();
    const seen: string[] = [];
    const later = (m: string) => seen.push(`on:${m}`);
    e.on('message', later);
    e.once('message', (m) => seen.push(`once:${m}`));
    e.prependListener('message', (m) => seen.push(`first:${m}`));
    expect(e.emit('message', 'a')).toBe(true);
    e.off('message', later);
    e.emit('message', 'b');
    expect(seen).toEqual(['first:a', 'on:a', 'once:a', 'first:b']);
    expect(e.listenerCount('message')).toBe(1);
    expect(e.emit('pair', 1, 2)).toBe(false);
  });

  it('removes a once listener by the function passed in, and tolerates removal while emitting', () => {
    const e = new Emitter<Events>();
    const seen: string[] = [];
    const fn = (m: string) => seen.push(m);
    e.once('message', fn);
    e.off('message', fn);
    e.on('message', function self(m) {
      seen.push(`self:${m}`);
      e.off('message', self);
    });
    e.on('message', (m) => seen.push(`next:${m}`));
    e.emit('message', 'x');
    e.emit('message', 'y');
    expect(seen).toEqual(['self:x', 'next:x', 'next:y']);
  });
});
