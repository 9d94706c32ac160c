// Password guessing: one account hammered until it backs off and locks, one
// address spraying many accounts, and replies that tell nothing.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, type Frame, registerClient } from '../protocol/client.ts';
import { cleanup, runCli } from '../protocol/harness.ts';
import { codeOf, emailFor, PASSWORD, sleep, uniqueName } from '../protocol/util.ts';
import { expectBoundedMemory, MemoryWatch, record } from './measure.ts';
import { destroyAllRaw, RawLines } from './raw-socket.ts';
import { assertControlStillWorks, itSurvives, useArena } from './support.ts';

afterEach(() => {
  closeAllClients();
  destroyAllRaw();
});
afterAll(cleanup);

/** One veus on a fresh connection (each connection allows only three failures). */
async function attempt(port: number, login: string, password: string): Promise<Frame> {
  const c = await connectClient(port);
  const reply = await c.request('veus', [login, password], c.helloToken);
  c.destroy();
  return reply;
}

describe('one account under attack', () => {
  // Short backoffs so 100 failures take seconds; the per-address block must not interfere.
  const arena = useArena({
    config: { login: { backoff_initial_s: 0.1, backoff_max_s: 0.1, ip_failures: 100_000 } },
  });
  const port = () => arena().port;

  it('answers an unknown user, an unknown #id and a wrong password with identical bytes', async () => {
    const mem = new MemoryWatch(arena().pid);
    const twin = uniqueName('twin');
    (await registerClient(port(), twin, PASSWORD, emailFor(twin))).destroy();
    const rawReply = async (login: string, password: string) => {
      const s = new RawLines(port());
      const hello = await s.frame(0);
      s.write(
        `${JSON.stringify({ action: 'veus', tag: 'same', data: [login, password], token: hello?.data.token })}\n`,
      );
      const line = await s.line(1);
      s.destroy();
      if (!line) throw new Error('no reply');
      return line;
    };
    const wrongPassword = await rawReply(twin, 'not-the-password-1');
    const unknownUser = await rawReply(uniqueName('nobody'), 'not-the-password-1');
    const unknownId = await rawReply('#99999', 'not-the-password-1');
    expect(JSON.parse(wrongPassword.toString())).toMatchObject({
      tag: 'same',
      error: { code: 'invalid_credentials' },
    });
    expect(unknownUser.equals(wrongPassword), unknownUser.toString()).toBe(true);
    expect(unknownId.equals(wrongPassword), unknownId.toString()).toBe(true);
    expectBoundedMemory(mem, 'identical failure replies');
    await assertControlStillWorks(arena());
  });

  it('backs off after 5 failures even for the right password, locks after 100, unlocks live', async () => {
    const mem = new MemoryWatch(arena().pid);
    const victim = uniqueName('victim');
    (await registerClient(port(), victim, PASSWORD, emailFor(victim))).destroy();
    const started = Date.now();
    const codes = new Map<string, number>();
    let failures = 0;
    // Fails once, waiting out any backoff first; bounded in tries and time.
    const failOnce = async () => {
      for (let tries = 0; tries < 50; tries++) {
        const r = await attempt(port(), victim, `wrong-guess-${failures}`);
        codes.set(codeOf(r), (codes.get(codeOf(r)) ?? 0) + 1);
        if (codeOf(r) === 'invalid_credentials') return;
        expect(codeOf(r)).toBe('rate_limited');
        await sleep((r.error?.retry_after_ms ?? 100) + 5);
      }
      throw new Error('could not fail a login');
    };
    for (; failures < 5; failures++) await failOnce();
    // Straight after the 5th failure the right password is refused, before any hashing.
    const ready = await connectClient(port());
    const right = await ready.request('veus', [victim, PASSWORD], ready.helloToken);
    expect(codeOf(right)).toBe('rate_limited');
    expect(right.error?.retry_after_ms).toBeGreaterThan(0);
    expect(right.error?.retry_after_ms).toBeLessThanOrEqual(100);
    // Refusals cost the connection nothing: it may try again after the wait.
    expect(ready.isClosed).toBe(false);

    for (; failures < 100 && Date.now() - started < 40_000; failures++) await failOnce();
    expect(failures).toBe(100);
    const locked = await attempt(port(), victim, PASSWORD);
    expect(codeOf(locked)).toBe('forbidden');
    // Still locked long after the backoff ran out, for right and wrong passwords.
    await sleep(300);
    expect(codeOf(await attempt(port(), victim, PASSWORD))).toBe('forbidden');
    expect(codeOf(await attempt(port(), victim, 'wrong-again'))).toBe('forbidden');
    record('brute force to lock', {
      failures,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ...Object.fromEntries(codes),
    });

    // The operator unlocks it while the server runs (both use the SQLite file).
    const unlock = await runCli(['user', 'unlock', victim, '--data-dir', arena().server.dataDir]);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toContain('had 100 failed logins');
    const back = await connectClient(port());
    expect(codeOf(await back.request('veus', [victim, PASSWORD], back.helloToken))).toBe('OK');
    expect(codeOf(await back.request('set_user', [], back.helloToken))).toBe('OK');
    expectBoundedMemory(mem, 'brute force to lock');
    await assertControlStillWorks(arena());
  }, 60_000);

  itSurvives(arena);
});

describe('one address spraying accounts', () => {
  // Loopback is not exempt here; the per-address block uses its defaults (20 in 10 min).
  const arena = useArena({ config: { limits: { exempt_cidrs: [] } } });

  it('blocks the address after 20 failures, even for a valid account and its right password', async () => {
    const mem = new MemoryWatch(arena().pid);
    const known = uniqueName('known');
    (await registerClient(arena().port, known, PASSWORD, emailFor(known))).destroy();
    const codes: string[] = [];
    const retries: number[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await attempt(arena().port, uniqueName(`acct${i}`), 'spray-password-1');
      codes.push(codeOf(r));
      if (r.error?.retry_after_ms !== undefined) retries.push(r.error.retry_after_ms);
    }
    expect(codes.slice(0, 20)).toEqual(Array(20).fill('invalid_credentials'));
    expect(codes.slice(20)).toEqual(Array(30).fill('rate_limited'));
    expect(retries).toHaveLength(30);
    for (const ms of retries) expect(ms).toBeGreaterThan(0);
    const blocked = await attempt(arena().port, known, PASSWORD);
    expect(codeOf(blocked)).toBe('rate_limited');
    expect(blocked.error?.retry_after_ms).toBeGreaterThan(0);
    record('account spray', {
      invalid_credentials: 20,
      rate_limited: 30,
      block_left_s: Math.round((blocked.error?.retry_after_ms ?? 0) / 1000),
    });
    expectBoundedMemory(mem, 'account spray');
    await assertControlStillWorks(arena());
  }, 30_000);

  itSurvives(arena);
});
