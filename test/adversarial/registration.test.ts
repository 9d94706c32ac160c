// Registration abuse: mass sign-ups from one address, and racing sign-ups
// with one email or phone written differently.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, type TestClient } from '../protocol/client.ts';
import { cleanup, runCli } from '../protocol/harness.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from '../protocol/util.ts';
import { expectBoundedMemory, HASHING_MEMORY_LIMIT_KIB, MemoryWatch, record } from './measure.ts';
import { assertControlStillWorks, itSurvives, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

function createUser(c: TestClient, name: string, email = emailFor(name), phone?: string) {
  const data = phone === undefined ? [name, PASSWORD, email] : [name, PASSWORD, email, phone];
  return c.request('create_user', data, c.helloToken, 30_000);
}

describe('registrations from one address', () => {
  // Loopback is not exempt here, and one registration per address is allowed.
  const arena = useArena({
    seedControls: true,
    config: { limits: { exempt_cidrs: [], registrations_per_ip: 1 } },
  });

  it('lets one of 20 racing sign-ups through, limits the rest, and forbids a second on one connection', async () => {
    const mem = new MemoryWatch(arena().pid);
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => connectClient(arena().port)),
    );
    const names = clients.map(() => uniqueName('signup'));
    const replies = await Promise.all(clients.map((c, i) => createUser(c, names[i] as string)));
    const codes = replies.map(codeOf);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(19);
    for (const r of replies.filter((x) => !x.ok)) {
      expect(r.error?.retry_after_ms).toBeGreaterThan(0);
    }
    // The winner's connection may not register a second account.
    const winner = clients[codes.indexOf('OK')] as TestClient;
    expect(codeOf(await createUser(winner, uniqueName('second')))).toBe('forbidden');
    // A new connection from the same address is still limited.
    const later = await connectClient(arena().port);
    const limited = await createUser(later, uniqueName('later'));
    expect(codeOf(limited)).toBe('rate_limited');
    expect(limited.error?.retry_after_ms).toBeGreaterThan(0);
    record('sign-up race from one address', {
      ok: 1,
      rate_limited: codes.filter((c) => c === 'rate_limited').length,
      retry_after_s: Math.round((limited.error?.retry_after_ms ?? 0) / 1000),
    });
    // The winner's account exists; a limited one's does not.
    const check = await connectClient(arena().port);
    const winnerName = names[codes.indexOf('OK')] as string;
    const loserName = names[codes.indexOf('rate_limited')] as string;
    expect(codeOf(await check.request('veus', [loserName, PASSWORD], check.helloToken))).toBe(
      'invalid_credentials',
    );
    expect(codeOf(await check.request('veus', [winnerName, PASSWORD], check.helloToken))).toBe(
      'OK',
    );
    expectBoundedMemory(mem, 'sign-ups from one address');
    await assertControlStillWorks(arena());
  }, 40_000);

  itSurvives(arena);
});

describe('racing sign-ups with one email or phone in different spellings', () => {
  const arena = useArena();
  const N = 50;

  async function race(make: (i: number) => [string, string, string?]) {
    const clients = await Promise.all(Array.from({ length: N }, () => connectClient(arena().port)));
    const replies = await Promise.all(
      clients.map((c, i) => {
        const [name, email, phone] = make(i);
        return createUser(c, name, email, phone);
      }),
    );
    for (const c of clients) c.destroy();
    return replies.map(codeOf);
  }

  async function accounts() {
    const list = await runCli(['user', 'list', '--json', '--data-dir', arena().server.dataDir]);
    expect(list.code).toBe(0);
    return list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { username: string; email: string; phone: string | null });
  }

  it('makes exactly one account for A@x.io / a@X.io / " a@x.io "', async () => {
    const mem = new MemoryWatch(arena().pid);
    const emails = ['A@x.io', 'a@X.io', ' a@x.io '];
    const codes = await race((i) => [uniqueName('mail'), emails[i % 3] as string]);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(codes.filter((c) => c === 'email_taken')).toHaveLength(N - 1);
    record('email race', { ok: 1, email_taken: N - 1 });
    expectBoundedMemory(mem, 'email race', HASHING_MEMORY_LIMIT_KIB);
    await assertControlStillWorks(arena());
  }, 60_000);

  it('makes exactly one account for +47 912 34 567 / +4791234567 / +47-912-34-567', async () => {
    const mem = new MemoryWatch(arena().pid);
    const phones = ['+47 912 34 567', '+4791234567', '+47-912-34-567'];
    const codes = await race((i) => {
      const name = uniqueName('tel');
      return [name, emailFor(name), phones[i % 3]];
    });
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(codes.filter((c) => c === 'phone_taken')).toHaveLength(N - 1);
    record('phone race', { ok: 1, phone_taken: N - 1 });
    const all = await accounts();
    expect(all.filter((u) => u.email === 'a@x.io')).toHaveLength(1);
    expect(all.filter((u) => u.phone === '+4791234567')).toHaveLength(1);
    expectBoundedMemory(mem, 'phone race', HASHING_MEMORY_LIMIT_KIB);
    await assertControlStillWorks(arena());
  }, 60_000);

  itSurvives(arena);
});
