// Login (veus), concurrent registration races and registration limits.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { account } from '../accounts-support.ts';
import { closeAllClients, connectClient, type Frame } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from '../util.ts';

/** Login (veus), concurrent registration races and registration limits, run over `wire`. */
export function loginCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('veus (login)', () => {
    const server = useServer();

    it('logs in by username and returns id, username and level', async () => {
      const name = uniqueName('Login');
      const id = await account(wire.endpoint(server()), name);
      const c = await connectClient(wire.endpoint(server()));
      const v = await c.request('veus', [name, PASSWORD], c.helloToken);
      expect(v).toMatchObject({ ok: true, data: { id, username: name, level: 'basic' } });
    });

    it('accepts #id, a different username case and the aliases', async () => {
      const name = uniqueName('Case');
      const id = await account(wire.endpoint(server()), name);
      for (const [action, who] of [
        ['veus', `#${id}`],
        ['verify_user', name.toLowerCase()],
        ['login', name.toUpperCase()],
      ] as const) {
        const c = await connectClient(wire.endpoint(server()));
        const v = await c.request(action, [who, PASSWORD], c.helloToken);
        expect(codeOf(v), `${action} ${who}`).toBe('OK');
        expect(v.data).toMatchObject({ id, username: name });
      }
    });

    it('answers wrong password and unknown user alike with invalid_credentials', async () => {
      const name = uniqueName('wrong');
      await account(wire.endpoint(server()), name);
      const c = await connectClient(wire.endpoint(server()));
      expect(codeOf(await c.request('veus', [name, `${PASSWORD}x`], c.helloToken))).toBe(
        'invalid_credentials',
      );
      const d = await connectClient(wire.endpoint(server()));
      expect(codeOf(await d.request('veus', [uniqueName('nobody'), PASSWORD], d.helloToken))).toBe(
        'invalid_credentials',
      );
      const e = await connectClient(wire.endpoint(server()));
      expect(codeOf(await e.request('veus', ['#99999', PASSWORD], e.helloToken))).toBe(
        'invalid_credentials',
      );
    });

    it('disconnects after three failed attempts', async () => {
      const name = uniqueName('three');
      await account(wire.endpoint(server()), name);
      const c = await connectClient(wire.endpoint(server()));
      for (let i = 0; i < 3; i++) {
        const r = await c.request('veus', [name, `bad-password-${i}`], c.helloToken);
        expect(codeOf(r)).toBe('invalid_credentials');
      }
      const ev = await c.nextEvent('disconnect');
      expect(ev).toMatchObject({ tag: 'system', data: { reason: 'too_many_login_attempts' } });
      await c.waitClosed();
    });

    it('still logs in after two failed attempts', async () => {
      const name = uniqueName('two');
      await account(wire.endpoint(server()), name);
      const c = await connectClient(wire.endpoint(server()));
      for (let i = 0; i < 2; i++) {
        expect(codeOf(await c.request('veus', [name, 'nope-nope-nope'], c.helloToken))).toBe(
          'invalid_credentials',
        );
      }
      expect(codeOf(await c.request('veus', [name, PASSWORD], c.helloToken))).toBe('OK');
    });
  });

  describe('concurrent registration', () => {
    const server = useServer();
    const N = 50;

    async function race(make: (i: number) => unknown[]): Promise<Frame[]> {
      const clients = await Promise.all(
        Array.from({ length: N }, () => connectClient(wire.endpoint(server()))),
      );
      return Promise.all(
        clients.map((c, i) => c.request('create_user', make(i), c.helloToken, 60_000)),
      );
    }

    it('lets exactly one of 50 racing registrations with one email win', async () => {
      const prefix = uniqueName('same');
      const email = `${prefix}@example.com`;
      const replies = await race((i) => [`${prefix}_${i}`, PASSWORD, email]);
      const codes = replies.map(codeOf);
      expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
      expect(codes.filter((c) => c === 'email_taken')).toHaveLength(N - 1);
      const winner = replies.findIndex((r) => r.ok);
      const loser = winner === 0 ? 1 : 0;
      const c = await connectClient(wire.endpoint(server()));
      expect(codeOf(await c.request('veus', [`${prefix}_${winner}`, PASSWORD], c.helloToken))).toBe(
        'OK',
      );
      const d = await connectClient(wire.endpoint(server()));
      expect(codeOf(await d.request('veus', [`${prefix}_${loser}`, PASSWORD], d.helloToken))).toBe(
        'invalid_credentials',
      );
    }, 90_000);

    it('lets exactly one of 50 racing registrations with one username win', async () => {
      const name = uniqueName('race');
      const replies = await race((i) => [name, PASSWORD, `${name}.${i}@example.com`]);
      const codes = replies.map(codeOf);
      expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
      expect(codes.filter((c) => c === 'username_taken')).toHaveLength(N - 1);
    }, 90_000);
  });

  describe('registration limits', () => {
    const server = useServer({
      config: { limits: { exempt_cidrs: [], registrations_per_ip: 2 } },
    });

    async function register(
      c: Awaited<ReturnType<typeof connectClient>>,
      n: string,
      email = emailFor(n),
    ) {
      return c.request('create_user', [n, PASSWORD, email], c.helloToken);
    }

    it('allows one per connection and registrations_per_ip per address; failures cost nothing', async () => {
      const a = await connectClient(wire.endpoint(server()));
      const first = uniqueName('first');
      // A refused registration (weak password) does not use up the address's allowance.
      const weak = await a.request(
        'create_user',
        [first, 'password1', emailFor(first)],
        a.helloToken,
      );
      expect(codeOf(weak)).toBe('weak_password');
      expect(codeOf(await register(a, first))).toBe('OK');
      expect(codeOf(await register(a, uniqueName('again')))).toBe('forbidden');
      const b = await connectClient(wire.endpoint(server()));
      expect(codeOf(await register(b, uniqueName('second')))).toBe('OK');
      const c = await connectClient(wire.endpoint(server()));
      const over = await register(c, uniqueName('third'));
      expect(codeOf(over)).toBe('rate_limited');
      expect(over.error?.retry_after_ms).toBeGreaterThan(0);
      // The refused connection can still log in to an existing account.
      expect(codeOf(await c.request('veus', [first, PASSWORD], c.helloToken))).toBe('OK');
    });
  });
}
