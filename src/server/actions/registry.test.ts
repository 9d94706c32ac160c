import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CODES } from '../../protocol/errors.ts';
import { Levels } from '../levels.ts';
import { defineAction } from './define.ts';
import { ACTIONS } from './index.ts';
import { ActionRegistry } from './registry.ts';

const levels = new Levels({ order: ['basic', 'admin'], default: 'basic', grants: {} });
const noop = (name: string, aliases: string[] = []) =>
  defineAction({ name, aliases, phase: 'any', input: z.tuple([]), run: () => null });

describe('ActionRegistry', () => {
  it('resolves every action of PROTOCOL.md section 6 and its aliases', () => {
    const registry = new ActionRegistry(ACTIONS, levels);
    const expected: Record<string, string[]> = {
      ping: [],
      create_user: ['register'],
      veus: ['verify_user', 'login'],
      set_user: ['set_client'],
      get_id: [],
      get_permission_level: [],
      show_online_users: ['who'],
      message_user: ['msg'],
      change_permission_level: [],
      kill_server: [],
      kick: [],
      logout: ['exit'],
    };
    for (const [name, aliases] of Object.entries(expected)) {
      for (const alias of [name, ...aliases]) expect(registry.resolve(alias)?.name).toBe(name);
    }
    expect(registry.resolve('nope')).toBeUndefined();
  });

  it('has every session action declare an existing level; admin actions need admin', () => {
    for (const action of ACTIONS) {
      if (action.phase === 'session') expect(levels.exists(action.level ?? '')).toBe(true);
    }
    const registry = new ActionRegistry(ACTIONS, levels);
    expect(registry.resolve('kill_server')?.level).toBe('admin');
    expect(registry.resolve('change_permission_level')?.level).toBe('admin');
  });

  it('refuses duplicate names and aliases at start-up', () => {
    expect(() => new ActionRegistry([noop('a'), noop('a')], levels)).toThrow(/duplicate/);
    expect(() => new ActionRegistry([noop('a', ['b']), noop('b')], levels)).toThrow(/duplicate/);
  });

  it('refuses a session action whose level is missing or unknown', () => {
    const unknown = defineAction({
      name: 'x',
      phase: 'session',
      level: 'root',
      input: z.tuple([]),
      run: () => null,
    });
    expect(() => new ActionRegistry([unknown], levels)).toThrow(/root/);
    const missing = { ...unknown, level: undefined };
    expect(() => new ActionRegistry([missing], levels)).toThrow(/must declare a level/);
  });

  it('refuses an audit spec that would show a password, code or token, or no input', () => {
    const auditing = (input: z.ZodType<unknown[]>, detail: number) =>
      defineAction({ name: 'x', phase: 'any', input, audit: { detail }, run: () => null });
    const secret = z.string().describe('new_password');
    expect(() => new ActionRegistry([auditing(z.tuple([secret]), 0)], levels)).toThrow(
      /new_password/,
    );
    const code = z.string().describe('code').optional();
    expect(() => new ActionRegistry([auditing(z.tuple([code]), 0)], levels)).toThrow(/code/);
    expect(() => new ActionRegistry([auditing(z.tuple([]), 0)], levels)).toThrow(/not exist/);
    expect(() => new ActionRegistry(ACTIONS, levels)).not.toThrow();
  });

  it('every error code is documented in docs/protocol.md', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    for (const code of ERROR_CODES) expect(doc).toContain(`\`${code}\``);
  });

  it('every action and alias has a row in docs/protocol.md', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    for (const action of ACTIONS) {
      expect(doc).toContain(`| \`${action.name}\` |`);
      for (const alias of action.aliases) expect(doc).toContain(`\`${alias}\``);
    }
  });
});
