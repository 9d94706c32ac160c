// A login storm: 200 connections verifying 128-character passwords at once
// against the argon2 cap. Some are told server_busy, none crash, and the
// control users keep a fast ping.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, type TestClient } from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { codeOf, emailFor, sleep } from '../protocol/util.ts';
import {
  expectBoundedMemory,
  HASHING_MEMORY_LIMIT_KIB,
  MemoryWatch,
  Pinger,
  record,
} from './measure.ts';
import { prng } from './raw-socket.ts';
import { assertControlStillWorks, CONTROL, itSurvives, onlineUsers, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const USERS = 20;
const CONNECTIONS = 200;

/** A deterministic 128-character password for storm user `i`. */
function longPassword(i: number): string {
  const rand = prng(1000 + i);
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+=?';
  let out = '';
  while (out.length < 128) out += alphabet[Math.floor(rand() * alphabet.length)];
  return out;
}

describe('login storm', () => {
  const arena = useArena({ config: { limits: { max_unauthenticated_per_ip: 400 } } });

  it('200 parallel logins: some server_busy, all eventually verified, the control stays responsive', async () => {
    const port = arena().port;
    const names = Array.from({ length: USERS }, (_, i) => `storm_${String(i).padStart(2, '0')}`);
    // Registered over the wire (a CLI process per user would take seconds each).
    const registrars = await Promise.all(names.map(() => connectClient(port)));
    const created = await Promise.all(
      registrars.map((c, i) =>
        c.request(
          'create_user',
          [names[i], longPassword(i), emailFor(names[i] as string)],
          c.helloToken,
          30_000,
        ),
      ),
    );
    expect(created.map(codeOf)).toEqual(Array(USERS).fill('OK'));
    for (const c of registrars) c.destroy();

    const clients: TestClient[] = [];
    for (let i = 0; i < CONNECTIONS; i += 50) {
      clients.push(...(await Promise.all(Array.from({ length: 50 }, () => connectClient(port)))));
    }
    const mem = new MemoryWatch(arena().pid, 25);
    const pinger = new Pinger(arena().alice, 20);
    const started = performance.now();
    const veus = (c: TestClient, i: number) =>
      c.request('veus', [names[i % USERS], longPassword(i % USERS)], c.helloToken, 30_000);
    const first = await Promise.all(clients.map(veus));
    const firstCodes = first.map(codeOf);
    const busyFirst = firstCodes.filter((c) => c === 'server_busy').length;
    expect(firstCodes.filter((c) => c !== 'OK' && c !== 'server_busy')).toEqual([]);
    expect(busyFirst).toBeGreaterThan(0);
    expect(firstCodes.filter((c) => c === 'OK').length).toBeGreaterThan(0);

    // server_busy keeps the connection open and may be retried.
    let pending = clients.map((c, i) => ({ c, i })).filter(({ i }) => firstCodes[i] !== 'OK');
    let rounds = 0;
    while (pending.length > 0 && rounds < 40) {
      rounds += 1;
      await sleep(50);
      const again = await Promise.all(pending.map(({ c, i }) => veus(c, i)));
      expect(again.map(codeOf).filter((c) => c !== 'OK' && c !== 'server_busy')).toEqual([]);
      pending = pending.filter((_, k) => codeOf(again[k] as never) !== 'OK');
    }
    expect(pending).toHaveLength(0);
    const seconds = (performance.now() - started) / 1000;
    const rtt = await pinger.stop();
    expect(clients.every((c) => !c.isClosed)).toBe(true);

    // One session per user: of 200 verified connections, exactly one per user wins set_user.
    const sessions = await Promise.all(
      clients.map((c) => c.request('set_user', [], c.helloToken, 30_000)),
    );
    const setCodes = sessions.map(codeOf);
    expect(setCodes.filter((c) => c === 'OK')).toHaveLength(USERS);
    expect(setCodes.filter((c) => c === 'already_logged_in')).toHaveLength(CONNECTIONS - USERS);
    expect((await onlineUsers(arena().alice)).names).toEqual([...CONTROL, ...names]);

    record('login storm', {
      logins: CONNECTIONS,
      server_busy_first_round: busyFirst,
      retry_rounds: rounds,
      seconds: Math.round(seconds * 100) / 100,
      logins_per_s: Math.round(CONNECTIONS / seconds),
      ping_count: rtt.count,
      ping_max_ms: rtt.maxMs,
      ping_median_ms: rtt.medianMs,
    });
    expect(rtt.count).toBeGreaterThan(0);
    expect(rtt.maxMs).toBeLessThan(1_000);
    expectBoundedMemory(mem, 'login storm', HASHING_MEMORY_LIMIT_KIB);
    for (const c of clients) c.destroy();
    await assertControlStillWorks(arena());
  }, 90_000);

  itSurvives(arena);
});
