// Connection floods: the caps on session-less connections per address and in
// total hold, refused sockets get server_busy and are closed, and the control
// users stay responsive while thousands of idle sockets sit on the server.
import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, TestClient } from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { pollUntil } from '../protocol/util.ts';
import { expectBoundedMemory, MemoryWatch, mib, Pinger, record, rssKiB } from './measure.ts';
import { destroyAllRaw, RawLines } from './raw-socket.ts';
import { assertControlStillWorks, itSurvives, useArena } from './support.ts';

afterEach(() => {
  closeAllClients();
  destroyAllRaw();
});
afterAll(cleanup);

describe('per-address cap on session-less connections', () => {
  const arena = useArena({ config: { limits: { max_unauthenticated_per_ip: 8 } } });

  it('refuses the 9th session-less connection from one address: server_busy, then close', async () => {
    const mem = new MemoryWatch(arena().pid);
    const eight: TestClient[] = [];
    for (let i = 0; i < 8; i++) eight.push(await connectClient(arena().port));
    const ninth = new TestClient();
    await ninth.open(arena().port);
    expect(await ninth.nextFrame()).toMatchObject({
      tag: null,
      ok: false,
      error: { code: 'server_busy' },
    });
    await ninth.waitClosed();
    // No hello, so no token to use: the refusal was its only frame.
    expect(ninth.received).toHaveLength(1);
    // A freed slot is usable again.
    eight[0]?.destroy();
    const next = await pollUntil(
      async () => {
        const c = new TestClient();
        await c.open(arena().port);
        const f = await c.nextFrame();
        if (f.event === 'hello') return true;
        c.destroy();
        return false;
      },
      3_000,
      100,
    );
    expect(next).toBe(true);
    expectBoundedMemory(mem, '9th connection per address');
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});

/** This process's soft limit on open files (each test socket is one). */
function openFilesLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  return m?.[1] === undefined || m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

describe('2,000 idle session-less sockets', () => {
  const arena = useArena({
    config: { limits: { max_unauthenticated: 1000, max_unauthenticated_per_ip: 5000 } },
  });
  const SOCKETS = 2000;
  const BATCH = 200;

  it('fills the total cap, refuses the rest with server_busy, and the control stays responsive', async () => {
    const fdLimit = openFilesLimit();
    expect(fdLimit, 'ulimit -n too low for this test').toBeGreaterThan(SOCKETS + 500);
    const mem = new MemoryWatch(arena().pid, 25);
    const pinger = new Pinger(arena().alice, 20);
    const started = Date.now();
    const sockets: RawLines[] = [];
    const first: string[] = [];
    for (let i = 0; i < SOCKETS; i += BATCH) {
      const batch = Array.from({ length: BATCH }, () => new RawLines(arena().port));
      sockets.push(...batch);
      const frames = await Promise.all(
        batch.map(async (s) => {
          await s.connected;
          const f = await s.frame(0, 10_000);
          return f?.event === 'hello' ? 'hello' : String(f?.error?.code ?? 'closed without frame');
        }),
      );
      first.push(...frames);
    }
    const openedMs = Date.now() - started;
    const withAll = rssKiB(arena().pid);
    const rtt = await pinger.stop();
    const hellos = first.filter((f) => f === 'hello').length;
    const busy = first.filter((f) => f === 'server_busy').length;
    expect({ hellos, busy, other: SOCKETS - hellos - busy }).toEqual({
      hellos: 1000,
      busy: 1000,
      other: 0,
    });
    // Every refused socket is closed by the server; the admitted ones stay open.
    const refused = sockets.filter((_, i) => first[i] === 'server_busy');
    const allClosed = await pollUntil(async () => refused.every((s) => s.isClosed), 5_000);
    expect(allClosed).toBe(true);
    expect(sockets.filter((s, i) => first[i] === 'hello' && s.isClosed)).toHaveLength(0);
    record('2,000 idle sockets', {
      fd_limit: fdLimit,
      admitted: hellos,
      refused: busy,
      open_ms: openedMs,
      rss_with_sockets_MiB: mib(withAll),
      ping_count: rtt.count,
      ping_max_ms: rtt.maxMs,
      ping_median_ms: rtt.medianMs,
    });
    expect(rtt.count).toBeGreaterThan(0);
    expect(rtt.maxMs).toBeLessThan(1_000);
    await assertControlStillWorks(arena());

    // Closing them frees the cap again.
    for (const s of sockets) s.destroy();
    const reopened = await pollUntil(
      async () => {
        const s = new RawLines(arena().port);
        const f = await s.frame(0);
        s.destroy();
        return f?.event === 'hello';
      },
      5_000,
      100,
    );
    expect(reopened).toBe(true);
    expectBoundedMemory(mem, '2,000 idle sockets');
  }, 60_000);

  itSurvives(arena);
});
