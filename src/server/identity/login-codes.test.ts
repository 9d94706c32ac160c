import { describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { ManualClock, systemRandom } from '../clock.ts';
import { hashToken } from '../security/tokens.ts';
import type { VerifiedIdentity } from './claims.ts';
import { LoginCodes } from './login-codes.ts';

const LOGIN_CODE_TTL_MS = 60_000;

const identity: VerifiedIdentity = {
  provider: 'test',
  issuer: 'http://127.0.0.1:1',
  subject: 'alice',
  email: 'a@example.test',
  emailVerified: true,
  nameHint: 'alice',
  mappedLevel: null,
};

function setup() {
  const storage = openSqliteStorage(':memory:');
  const clock = new ManualClock(1_000_000);
  return {
    storage,
    clock,
    codes: new LoginCodes(storage.loginCodes, clock, systemRandom, LOGIN_CODE_TTL_MS),
  };
}

describe('LoginCodes', () => {
  it('redeems a code once, from the browser it was issued to', async () => {
    const { storage, codes } = setup();
    const binding = codes.newBinding();
    const code = await codes.issue(binding, identity);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await codes.redeem(code, hashToken(binding))).toEqual(identity);
    expect(await codes.redeem(code, hashToken(binding))).toBeUndefined();
    await storage.close();
  });

  it('refuses (and uses up) a code from another browser or none', async () => {
    const { storage, codes } = setup();
    const binding = codes.newBinding();
    const stolen = await codes.issue(binding, identity);
    expect(await codes.redeem(stolen, hashToken(codes.newBinding()))).toBeUndefined();
    expect(await codes.redeem(stolen, hashToken(binding))).toBeUndefined();
    const other = await codes.issue(binding, identity);
    expect(await codes.redeem(other, undefined)).toBeUndefined();
    await storage.close();
  });

  it('refuses a code after 60 s', async () => {
    const { storage, clock, codes } = setup();
    const binding = codes.newBinding();
    const late = await codes.issue(binding, identity);
    const inTime = await codes.issue(binding, identity);
    clock.advance(LOGIN_CODE_TTL_MS - 1);
    expect(await codes.redeem(inTime, hashToken(binding))).toBeDefined();
    clock.advance(1);
    expect(await codes.redeem(late, hashToken(binding))).toBeUndefined();
    await storage.close();
  });

  it('stores only hashes of the code and the binding', async () => {
    const { storage, codes } = setup();
    const binding = codes.newBinding();
    const code = await codes.issue(binding, identity);
    const row = await storage.loginCodes.take(hashToken(code));
    expect(row?.bindingHash).toBe(hashToken(binding));
    expect(JSON.stringify(row)).not.toContain(code);
    expect(JSON.stringify(row)).not.toContain(binding);
    await storage.close();
  });
});
