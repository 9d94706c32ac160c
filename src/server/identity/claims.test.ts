// What the server keeps of checked claims: verified email only, a name hint, the highest
// mapped level; and usernames suggested from any hint.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { Levels } from '../levels.ts';
import { mappedLevel, suggestUsername, verifiedIdentity } from './claims.ts';

const config = loadConfig({
  flags: {
    'levels.order': ['basic', 'moderator', 'admin'],
    'levels.grants': { admin: ['admin', 'moderator', 'basic'] },
    'identity.providers': [
      {
        name: 'kc',
        issuer: 'https://id.example.com',
        client_id: 'c',
        level_claims: {
          claim: 'groups',
          values: { mods: 'moderator', admins: 'admin', '1': 'moderator' },
        },
      },
    ],
  },
});
const levels = new Levels(config.levels);
const provider = config.identity.providers[0] ?? (undefined as never);

describe('verifiedIdentity', () => {
  it('keeps the issuer, subject, a lower-cased email and whether it is verified', () => {
    const id = verifiedIdentity(
      provider,
      { iss: 'https://id.example.com', sub: 's1', email: ' Ann@Example.COM', email_verified: true },
      levels,
    );
    expect(id).toEqual({
      provider: 'kc',
      issuer: 'https://id.example.com',
      subject: 's1',
      email: 'ann@example.com',
      emailVerified: true,
      nameHint: 'ann',
      mappedLevel: null,
    });
    expect(
      verifiedIdentity(
        provider,
        { iss: 'i', sub: 's', email: 'a@b.c', email_verified: 'true' },
        levels,
      ).emailVerified,
    ).toBe(false);
    const long = `${'a'.repeat(300)}@example.com`;
    const tooLong = verifiedIdentity(
      provider,
      { iss: 'i', sub: 's', email: long, email_verified: true },
      levels,
    );
    expect(tooLong).toMatchObject({ email: null, emailVerified: false });
    expect(
      verifiedIdentity(provider, { iss: 'i', sub: 's', preferred_username: 'Ann B' }, levels),
    ).toMatchObject({
      email: null,
      emailVerified: false,
      nameHint: 'Ann B',
    });
  });
});

describe('mappedLevel', () => {
  it('gives the highest mapped level among the claim’s values, or null', () => {
    expect(mappedLevel(provider, { groups: ['mods', 'admins'] }, levels)).toBe('admin');
    expect(mappedLevel(provider, { groups: ['admins', 'mods'] }, levels)).toBe('admin');
    expect(mappedLevel(provider, { groups: 'mods' }, levels)).toBe('moderator');
    expect(mappedLevel(provider, { groups: [1] }, levels)).toBe('moderator');
    expect(
      mappedLevel(provider, { groups: ['toString', '__proto__', { admins: 1 }] }, levels),
    ).toBeNull();
    expect(mappedLevel(provider, {}, levels)).toBeNull();
    expect(
      mappedLevel({ ...provider, level_claims: null }, { groups: ['admins'] }, levels),
    ).toBeNull();
  });
});

describe('suggestUsername', () => {
  const taken = new Set(['ann', 'ann2', 'user']);
  const isFree = async (n: string) => !taken.has(n);
  it('cleans the hint, pads a short one, and counts up past taken names', async () => {
    expect(await suggestUsername('ann', isFree)).toBe('ann3');
    expect(await suggestUsername('Ann B. Ørsted!', isFree)).toBe('AnnB.rsted');
    expect(await suggestUsername('x', isFree)).toBe('xuser');
    expect(await suggestUsername(null, isFree)).toBe('user2');
    expect((await suggestUsername('a'.repeat(60), isFree)).length).toBeLessThanOrEqual(32);
    expect(await suggestUsername('a'.repeat(60), isFree)).toMatch(/^[A-Za-z0-9_.-]{3,32}$/);
  });
});
