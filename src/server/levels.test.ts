import { describe, expect, it } from 'vitest';
import { Levels } from './levels.ts';

describe('Levels', () => {
  const levels = new Levels({
    order: ['basic', 'moderator', 'admin'],
    default: 'basic',
    grants: { admin: ['admin', 'moderator', 'basic'], moderator: ['basic'] },
  });

  it('orders levels as configured, a new level needing no code', () => {
    expect(levels.atLeast('moderator', 'basic')).toBe(true);
    expect(levels.atLeast('moderator', 'admin')).toBe(false);
    expect(levels.atLeast('admin', 'moderator')).toBe(true);
    expect(levels.top).toBe('admin');
  });

  it('denies unknown levels by default', () => {
    expect(levels.atLeast('root', 'basic')).toBe(false);
    expect(levels.atLeast('admin', 'root')).toBe(false);
    expect(levels.exists('root')).toBe(false);
  });

  it('follows the grant rules', () => {
    expect(levels.mayGrant('admin', 'moderator')).toBe(true);
    expect(levels.mayGrant('moderator', 'basic')).toBe(true);
    expect(levels.mayGrant('moderator', 'admin')).toBe(false);
    expect(levels.mayGrant('basic', 'basic')).toBe(false);
  });
});
