// Login throttling over the wire: per-account backoff, per-address block, unlock.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tryLogin as attempt } from '../accounts-support.ts';
import { closeAllClients } from '../client.ts';
import { cleanup, runCli, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from '../util.ts';

/**
 * Login throttling over the wire: per-account backoff, per-address block, unlock, run over `wire`.
 */
export function throttlingCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('per-account backoff', () => {
    const target = { username: uniqueName('victim'), password: PASSWORD };
    const server = useServer({
      users: [{ ...target, email: emailFor(target.username) }],
      config: { login: { backoff_initial_s: 60 } },
    });

    it('after 5 failures refuses even the right password with rate_limited, until unlocked', async () => {
      const port = wire.endpoint(server());
      const failures = [];
      for (let i = 0; i < 5; i++)
        failures.push(await attempt(port, target.username, `guess-${i}-xx`));
      // Identical replies whatever the cause, so they tell nothing.
      const bodies = new Set(failures.map((r) => JSON.stringify(r.error)));
      expect(bodies).toEqual(new Set([JSON.stringify(failures[0]?.error)]));
      expect(failures[0]?.error?.code).toBe('invalid_credentials');
      const unknown = await attempt(port, uniqueName('nobody'), 'guess-unknown');
      expect(JSON.stringify(unknown.error)).toBe(JSON.stringify(failures[0]?.error));

      const refused = await attempt(port, target.username, target.password);
      expect(codeOf(refused)).toBe('rate_limited');
      expect(refused.error?.retry_after_ms).toBeGreaterThan(50_000);

      const unlock = await runCli([
        'user',
        'unlock',
        target.username,
        '--data-dir',
        server().dataDir,
      ]);
      expect(unlock.code).toBe(0);
      expect(unlock.stdout).toContain('unlocked');
      expect(codeOf(await attempt(port, target.username, target.password))).toBe('OK');
    });
  });

  describe('per-address block', () => {
    const known = { username: uniqueName('known'), password: PASSWORD };
    const server = useServer({
      users: [{ ...known, email: emailFor(known.username) }],
      config: { limits: { exempt_cidrs: [] }, login: { ip_failures: 5 } },
    });

    it('blocks an address trying many accounts, even for a right password', async () => {
      const port = wire.endpoint(server());
      for (let i = 0; i < 5; i++) {
        expect(codeOf(await attempt(port, uniqueName('spray'), 'spray-password'))).toBe(
          'invalid_credentials',
        );
      }
      const blocked = await attempt(port, known.username, known.password);
      expect(codeOf(blocked)).toBe('rate_limited');
      expect(blocked.error?.retry_after_ms).toBeGreaterThan(0);
    });
  });
}
