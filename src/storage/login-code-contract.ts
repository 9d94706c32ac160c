// The behaviour every LoginCodeStore must show; run against each backend.
import { describe, expect, it } from 'vitest';
import type { LoginCodeRecord } from './login-codes.ts';
import type { Storage } from './storage.ts';

function code(n: number, expiresAt: number): LoginCodeRecord {
  return {
    codeHash: `code-hash-${n}`,
    bindingHash: `binding-hash-${n}`,
    provider: 'test',
    identity: JSON.stringify({ issuer: 'http://127.0.0.1:1', subject: `sub-${n}` }),
    expiresAt,
  };
}

/** Registers the login-code contract suite for a storage factory. */
export function describeLoginCodeContract(name: string, open: () => Promise<Storage>): void {
  describe(`LoginCodeStore contract: ${name}`, () => {
    it('gives a saved code back once, with what was saved', async () => {
      const s = await open();
      await s.loginCodes.save(code(1, 61_000), 1_000);
      expect(await s.loginCodes.take('code-hash-1')).toEqual(code(1, 61_000));
      expect(await s.loginCodes.take('code-hash-1')).toBeUndefined();
      expect(await s.loginCodes.take('code-hash-2')).toBeUndefined();
      await s.close();
    });

    it('gives a code to one of two racing takers only', async () => {
      const s = await open();
      await s.loginCodes.save(code(1, 61_000), 1_000);
      const both = await Promise.all([
        s.loginCodes.take('code-hash-1'),
        s.loginCodes.take('code-hash-1'),
      ]);
      expect(both.filter((r) => r !== undefined)).toHaveLength(1);
      await s.close();
    });

    it('deletes codes that expired when the next one is saved', async () => {
      const s = await open();
      await s.loginCodes.save(code(1, 61_000), 1_000);
      await s.loginCodes.save(code(2, 200_000), 140_000);
      expect(await s.loginCodes.take('code-hash-1')).toBeUndefined();
      expect((await s.loginCodes.take('code-hash-2'))?.bindingHash).toBe('binding-hash-2');
      await s.close();
    });
  });
}
