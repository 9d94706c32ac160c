import { describe, expect, it } from 'vitest';
import { backoffDelay } from './options.ts';
import { Positions } from './positions.ts';

describe('Positions', () => {
  it('hands each (conv, seq) over once, per conversation', () => {
    const p = new Positions();
    p.setEpoch('e1');
    expect([1, 2, 2, 1, 3].map((seq) => p.accept('dm:00001:00002', seq))).toEqual([
      true,
      true,
      false,
      false,
      true,
    ]);
    expect(p.accept('#lab', 1)).toBe(true);
    expect(p.highest('dm:00001:00002')).toBe(3);
  });

  it('drops the marks for another epoch, and keeps them for the same one', () => {
    const p = new Positions();
    p.setEpoch('e1');
    p.accept('c', 5);
    p.setEpoch('e1');
    expect(p.accept('c', 5)).toBe(false);
    p.setEpoch('e2');
    expect(p.accept('c', 5)).toBe(true);
  });

  it('keeps at most maxConversations marks, dropping the least recently active', () => {
    const p = new Positions(2);
    p.accept('a', 1);
    p.accept('b', 1);
    p.accept('a', 2); // a is now the most recent
    p.accept('c', 1);
    expect(p.highest('b')).toBeUndefined();
    expect(p.highest('a')).toBe(2);
    expect(p.highest('c')).toBe(1);
  });

  it('batches one ack per conversation, the highest seq', () => {
    const p = new Positions();
    p.noteAck('a', 3);
    p.noteAck('a', 5);
    p.noteAck('a', 4);
    p.noteAck('b', 1);
    expect(p.takeAcks()).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
    expect(p.takeAcks()).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial wait, caps, and jitters half of it', () => {
    const opts = { initialDelayMs: 100, factor: 2, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
    expect(backoffDelay(1, {}, () => 0.5)).toBe(375);
  });
});
