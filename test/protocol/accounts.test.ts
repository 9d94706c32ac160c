// Registration (create_user), account rules, login (veus) and concurrent registration races.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, type Frame } from './client.ts';
import { cleanup, useServer } from './harness.ts';
import { codeOf, emailFor, expectOk, PASSWORD, uniqueName } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

describe('accounts', () => {
  const server = useServer();

  // Sends create_user on a fresh connection and returns the reply.
  async function createUser(data: unknown[], action = 'create_user'): Promise<Frame> {
    const c = await connectClient(server().port);
    const r = await c.request(action, data, c.helloToken);
    c.destroy();
    return r;
  }

  // Creates an account (without a session) and returns its id.
  async function account(username: string, email = emailFor(username)): Promise<string> {
    const r = expectOk(await createUser([username, PASSWORD, email]), `create_user ${username}`);
    return r.data.id;
  }

  describe('create_user and set_user', () => {
    it('registers and opens a session', async () => {
      const c = await connectClient(server().port);
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
      const c = await connectClient(server().port);
      const name = uniqueName('alias');
      const r = await c.request('register', [name, PASSWORD, emailFor(name)], c.helloToken);
      expect(codeOf(r)).toBe('OK');
      const s = await c.request('set_client', [], c.helloToken);
      expect(codeOf(s)).toBe('OK');
      expect(s.data.username).toBe(name);
    });

    it('assigns increasing ids in registration order', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push(Number(await account(uniqueName('ord'))));
      expect(ids[1]).toBeGreaterThan(ids[0] as number);
      expect(ids[2]).toBeGreaterThan(ids[1] as number);
    });
  });

  describe('username rules', () => {
    const bad = ['ab', 'x'.repeat(33), 'bad name', 'bad!name', 'æøå_user', 'semi;colon', ''];

    it.each(bad)('rejects username %j with invalid_input', async (name) => {
      expect(codeOf(await createUser([name, PASSWORD, emailFor(`u${Date.now()}`)]))).toBe(
        'invalid_input',
      );
    });

    it('accepts 3 and 32 characters of the allowed set', async () => {
      const three = `a${Math.floor(Math.random() * 90 + 10)}`;
      expect(codeOf(await createUser([three, PASSWORD, emailFor(three)]))).toBe('OK');
      const long = `Zz_.-9${uniqueName('x')}`.padEnd(32, 'q');
      expect(long).toHaveLength(32);
      expect(codeOf(await createUser([long, PASSWORD, emailFor(long)]))).toBe('OK');
    });

    it('treats usernames case-insensitively but keeps the display case', async () => {
      const name = uniqueName('Alice');
      await account(name);
      const lower = name.toLowerCase();
      expect(codeOf(await createUser([lower, PASSWORD, emailFor(`${lower}x`)]))).toBe(
        'username_taken',
      );
      const c = await connectClient(server().port);
      const v = await c.request('veus', [name.toUpperCase(), PASSWORD], c.helloToken);
      expect(codeOf(v)).toBe('OK');
      expect(v.data.username).toBe(name);
    });
  });

  describe('email, phone and password rules', () => {
    it('treats emails as equal after trim and lower-case', async () => {
      const a = uniqueName('Bob');
      const b = uniqueName('bob');
      expect(codeOf(await createUser([a, PASSWORD, ` ${a}@X.io `]))).toBe('OK');
      expect(codeOf(await createUser([b, PASSWORD, `${a.toLowerCase()}@x.io`]))).toBe(
        'email_taken',
      );
    });

    it.each(['not-an-email', 'a@', '@example.com', 'two words@example.com', 'x@@y.io'])(
      'rejects the email %j with invalid_input',
      async (email) => {
        expect(codeOf(await createUser([uniqueName('em'), PASSWORD, email]))).toBe('invalid_input');
      },
    );

    it('normalises phones to E.164 before the uniqueness check', async () => {
      const a = uniqueName('ph');
      const b = uniqueName('ph');
      const digits = String(Math.floor(Math.random() * 900) + 100).padStart(3, '0');
      expect(codeOf(await createUser([a, PASSWORD, emailFor(a), `+47 912 34 ${digits}`]))).toBe(
        'OK',
      );
      expect(codeOf(await createUser([b, PASSWORD, emailFor(b), `+479123 4${digits}`]))).toBe(
        'phone_taken',
      );
    });

    it.each(['12ab', 'phone', '+'])('rejects the phone %j with invalid_input', async (phone) => {
      const n = uniqueName('ph');
      expect(codeOf(await createUser([n, PASSWORD, emailFor(n), phone]))).toBe('invalid_input');
    });

    it('rejects passwords shorter than 8 characters with weak_password', async () => {
      const n = uniqueName('weak');
      expect(codeOf(await createUser([n, 'short77', emailFor(n)]))).toBe('weak_password');
      expect(codeOf(await createUser([n, '', emailFor(n)]))).not.toBe('OK');
    });

    it('rejects common passwords and ones built from the username or email', async () => {
      const n = uniqueName('policy');
      expect(codeOf(await createUser([n, 'password1', emailFor(n)]))).toBe('weak_password');
      expect(codeOf(await createUser([n, `my-${n}-secret`, emailFor(n)]))).toBe('weak_password');
      expect(codeOf(await createUser([n, 'x'.repeat(129), emailFor(n)]))).toBe('weak_password');
      // None of the refusals took the name: a good password registers it.
      expect(codeOf(await createUser([n, PASSWORD, emailFor(n)]))).toBe('OK');
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
        const r = await createUser(data);
        expect(codeOf(r), `create_user ${JSON.stringify(data)}`).toBe('invalid_input');
      }
    });
  });

  describe('veus (login)', () => {
    it('logs in by username and returns id, username and level', async () => {
      const name = uniqueName('Login');
      const id = await account(name);
      const c = await connectClient(server().port);
      const v = await c.request('veus', [name, PASSWORD], c.helloToken);
      expect(v).toMatchObject({ ok: true, data: { id, username: name, level: 'basic' } });
    });

    it('accepts #id, a different username case and the aliases', async () => {
      const name = uniqueName('Case');
      const id = await account(name);
      for (const [action, who] of [
        ['veus', `#${id}`],
        ['verify_user', name.toLowerCase()],
        ['login', name.toUpperCase()],
      ] as const) {
        const c = await connectClient(server().port);
        const v = await c.request(action, [who, PASSWORD], c.helloToken);
        expect(codeOf(v), `${action} ${who}`).toBe('OK');
        expect(v.data).toMatchObject({ id, username: name });
      }
    });

    it('answers wrong password and unknown user alike with invalid_credentials', async () => {
      const name = uniqueName('wrong');
      await account(name);
      const c = await connectClient(server().port);
      expect(codeOf(await c.request('veus', [name, `${PASSWORD}x`], c.helloToken))).toBe(
        'invalid_credentials',
      );
      const d = await connectClient(server().port);
      expect(codeOf(await d.request('veus', [uniqueName('nobody'), PASSWORD], d.helloToken))).toBe(
        'invalid_credentials',
      );
      const e = await connectClient(server().port);
      expect(codeOf(await e.request('veus', ['#99999', PASSWORD], e.helloToken))).toBe(
        'invalid_credentials',
      );
    });

    it('disconnects after three failed attempts', async () => {
      const name = uniqueName('three');
      await account(name);
      const c = await connectClient(server().port);
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
      await account(name);
      const c = await connectClient(server().port);
      for (let i = 0; i < 2; i++) {
        expect(codeOf(await c.request('veus', [name, 'nope-nope-nope'], c.helloToken))).toBe(
          'invalid_credentials',
        );
      }
      expect(codeOf(await c.request('veus', [name, PASSWORD], c.helloToken))).toBe('OK');
    });
  });
});

describe('concurrent registration', () => {
  const server = useServer();
  const N = 50;

  async function race(make: (i: number) => unknown[]): Promise<Frame[]> {
    const clients = await Promise.all(
      Array.from({ length: N }, () => connectClient(server().port)),
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
    const c = await connectClient(server().port);
    expect(codeOf(await c.request('veus', [`${prefix}_${winner}`, PASSWORD], c.helloToken))).toBe(
      'OK',
    );
    const d = await connectClient(server().port);
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

  async function createUser(
    c: Awaited<ReturnType<typeof connectClient>>,
    n: string,
    email = emailFor(n),
  ) {
    return c.request('create_user', [n, PASSWORD, email], c.helloToken);
  }

  it('allows one per connection and registrations_per_ip per address; failures cost nothing', async () => {
    const a = await connectClient(server().port);
    const first = uniqueName('first');
    // A refused registration (weak password) does not use up the address's allowance.
    const weak = await a.request(
      'create_user',
      [first, 'password1', emailFor(first)],
      a.helloToken,
    );
    expect(codeOf(weak)).toBe('weak_password');
    expect(codeOf(await createUser(a, first))).toBe('OK');
    expect(codeOf(await createUser(a, uniqueName('again')))).toBe('forbidden');
    const b = await connectClient(server().port);
    expect(codeOf(await createUser(b, uniqueName('second')))).toBe('OK');
    const c = await connectClient(server().port);
    const over = await createUser(c, uniqueName('third'));
    expect(codeOf(over)).toBe('rate_limited');
    expect(over.error?.retry_after_ms).toBeGreaterThan(0);
    // The refused connection can still log in to an existing account.
    expect(codeOf(await c.request('veus', [first, PASSWORD], c.helloToken))).toBe('OK');
  });
});
