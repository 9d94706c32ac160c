// Registration (create_user, set_user) and the rules for usernames, emails, phones and passwords.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { account, createUser } from '../accounts-support.ts';
import { closeAllClients, connectClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from '../util.ts';

/**
 * Registration (create_user, set_user) and the rules for usernames, emails, phones and passwords,
 * run over `wire`.
 */
export function accountCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('accounts', () => {
    const server = useServer();

    describe('create_user and set_user', () => {
      it('registers and opens a session', async () => {
        const c = await connectClient(wire.endpoint(server()));
        const name = uniqueName('Reg');
        const r = await c.request('create_user', [name, PASSWORD, emailFor(name)], c.helloToken);
        expect(r.ok).toBe(true);
        expect(r.data).toMatchObject({ username: name, confirm: false });
        expect(r.data.id).toMatch(/^\d{5,}$/);
        const s = await c.request('set_user', [], c.helloToken);
        expect(s.ok).toBe(true);
        expect(s.data).toMatchObject({ id: r.data.id, username: name, level: 'basic' });
        expect(typeof s.data.token).toBe('string');
        expect(s.data.token).not.toBe(c.helloToken);
      });

      it('supports the aliases register and set_client', async () => {
        const c = await connectClient(wire.endpoint(server()));
        const name = uniqueName('alias');
        const r = await c.request('register', [name, PASSWORD, emailFor(name)], c.helloToken);
        expect(codeOf(r)).toBe('OK');
        const s = await c.request('set_client', [], c.helloToken);
        expect(codeOf(s)).toBe('OK');
        expect(s.data.username).toBe(name);
      });

      it('assigns increasing ids in registration order', async () => {
        const ids: number[] = [];
        for (let i = 0; i < 3; i++)
          ids.push(Number(await account(wire.endpoint(server()), uniqueName('ord'))));
        expect(ids[1]).toBeGreaterThan(ids[0] as number);
        expect(ids[2]).toBeGreaterThan(ids[1] as number);
      });
    });

    describe('username rules', () => {
      const bad = ['ab', 'x'.repeat(33), 'bad name', 'bad!name', 'æøå_user', 'semi;colon', ''];

      it.each(bad)('rejects username %j with invalid_input', async (name) => {
        expect(
          codeOf(
            await createUser(wire.endpoint(server()), [name, PASSWORD, emailFor(`u${Date.now()}`)]),
          ),
        ).toBe('invalid_input');
      });

      it('accepts 3 and 32 characters of the allowed set', async () => {
        const three = `a${Math.floor(Math.random() * 90 + 10)}`;
        expect(
          codeOf(await createUser(wire.endpoint(server()), [three, PASSWORD, emailFor(three)])),
        ).toBe('OK');
        const long = `Zz_.-9${uniqueName('x')}`.padEnd(32, 'q');
        expect(long).toHaveLength(32);
        expect(
          codeOf(await createUser(wire.endpoint(server()), [long, PASSWORD, emailFor(long)])),
        ).toBe('OK');
      });

      it('treats usernames case-insensitively but keeps the display case', async () => {
        const name = uniqueName('Alice');
        await account(wire.endpoint(server()), name);
        const lower = name.toLowerCase();
        expect(
          codeOf(
            await createUser(wire.endpoint(server()), [lower, PASSWORD, emailFor(`${lower}x`)]),
          ),
        ).toBe('username_taken');
        const c = await connectClient(wire.endpoint(server()));
        const v = await c.request('veus', [name.toUpperCase(), PASSWORD], c.helloToken);
        expect(codeOf(v)).toBe('OK');
        expect(v.data.username).toBe(name);
      });
    });

    describe('email, phone and password rules', () => {
      it('treats emails as equal after trim and lower-case', async () => {
        const a = uniqueName('Bob');
        const b = uniqueName('bob');
        expect(
          codeOf(await createUser(wire.endpoint(server()), [a, PASSWORD, ` ${a}@X.io `])),
        ).toBe('OK');
        expect(
          codeOf(
            await createUser(wire.endpoint(server()), [b, PASSWORD, `${a.toLowerCase()}@x.io`]),
          ),
        ).toBe('email_taken');
      });

      it.each(['not-an-email', 'a@', '@example.com', 'two words@example.com', 'x@@y.io'])(
        'rejects the email %j with invalid_input',
        async (email) => {
          expect(
            codeOf(await createUser(wire.endpoint(server()), [uniqueName('em'), PASSWORD, email])),
          ).toBe('invalid_input');
        },
      );

      it('normalises phones to E.164 before the uniqueness check', async () => {
        const a = uniqueName('ph');
        const b = uniqueName('ph');
        const digits = String(Math.floor(Math.random() * 900) + 100).padStart(3, '0');
        expect(
          codeOf(
            await createUser(wire.endpoint(server()), [
              a,
              PASSWORD,
              emailFor(a),
              `+47 912 34 ${digits}`,
            ]),
          ),
        ).toBe('OK');
        expect(
          codeOf(
            await createUser(wire.endpoint(server()), [
              b,
              PASSWORD,
              emailFor(b),
              `+479123 4${digits}`,
            ]),
          ),
        ).toBe('phone_taken');
      });

      it.each(['12ab', 'phone', '+'])('rejects the phone %j with invalid_input', async (phone) => {
        const n = uniqueName('ph');
        expect(
          codeOf(await createUser(wire.endpoint(server()), [n, PASSWORD, emailFor(n), phone])),
        ).toBe('invalid_input');
      });

      it('rejects passwords shorter than 8 characters with weak_password', async () => {
        const n = uniqueName('weak');
        expect(codeOf(await createUser(wire.endpoint(server()), [n, 'short77', emailFor(n)]))).toBe(
          'weak_password',
        );
        expect(codeOf(await createUser(wire.endpoint(server()), [n, '', emailFor(n)]))).not.toBe(
          'OK',
        );
      });

      it('rejects common passwords and ones built from the username or email', async () => {
        const n = uniqueName('policy');
        expect(
          codeOf(await createUser(wire.endpoint(server()), [n, 'password1', emailFor(n)])),
        ).toBe('weak_password');
        expect(
          codeOf(await createUser(wire.endpoint(server()), [n, `my-${n}-secret`, emailFor(n)])),
        ).toBe('weak_password');
        expect(
          codeOf(await createUser(wire.endpoint(server()), [n, 'x'.repeat(129), emailFor(n)])),
        ).toBe('weak_password');
        // None of the refusals took the name: a good password registers it.
        expect(codeOf(await createUser(wire.endpoint(server()), [n, PASSWORD, emailFor(n)]))).toBe(
          'OK',
        );
      });

      it('rejects wrong input types and counts with invalid_input', async () => {
        const n = uniqueName('types');
        const e = emailFor(n);
        const cases: unknown[][] = [
          [],
          [n],
          [n, PASSWORD],
          [n, PASSWORD, e, '+4791234000', 'extra'],
          [123, PASSWORD, e],
          [n, 12345678, e],
          [n, PASSWORD, { email: e }],
          [n, PASSWORD, e, 4791234000],
          [null, PASSWORD, e],
        ];
        for (const data of cases) {
          const r = await createUser(wire.endpoint(server()), data);
          expect(codeOf(r), `create_user ${JSON.stringify(data)}`).toBe('invalid_input');
        }
      });
    });
  });
}
