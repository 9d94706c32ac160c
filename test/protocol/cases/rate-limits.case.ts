// Request rate limits with their default classes: answered, never dropped.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, registerClient, type TestClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, pollUntil, sleep, uniqueName } from '../util.ts';

// The shipped defaults, restated because the harness lifts limits for other suites.
const DEFAULTS = {
  chat: { points: 5, duration_s: 3, burst_points: 5, burst_duration_s: 60 },
  default: { points: 10, duration_s: 1, burst_points: 10, burst_duration_s: 10 },
  auth: { points: 10, duration_s: 60, burst_points: 0, burst_duration_s: 60 },
};

/** Request rate limits with their default classes: answered, never dropped, run over `wire`. */
export function rateLimitCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('rate limits', () => {
    const server = useServer({ config: { rate_limits: DEFAULTS } });

    it('answers each of 200 messages sent at once: delivered or rate_limited, none lost', async () => {
      const a = uniqueName('burst');
      const b = uniqueName('inbox');
      const sender = await registerClient(wire.endpoint(server()), a, PASSWORD, emailFor(a));
      const receiver = await registerClient(wire.endpoint(server()), b, PASSWORD, emailFor(b));
      const frames = Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({ action: 'msg', data: [b, `n${i}`], tag: `m${i}`, token: sender.token }),
      );
      sender.sendFrames(frames);
      const replies = await Promise.all(frames.map((_, i) => sender.reply(`m${i}`)));
      const delivered = replies.filter((r) => r.ok);
      const limited = replies.filter((r) => codeOf(r) === 'rate_limited');
      expect(delivered.length + limited.length).toBe(200);
      expect(delivered.length).toBeGreaterThanOrEqual(10);
      expect(limited.length).toBeGreaterThan(0);
      for (const r of limited) expect(r.error?.retry_after_ms).toBeGreaterThan(0);
      // The receiver gets exactly the delivered ones, with the same ids.
      const ids = new Set(delivered.map((r) => r.data.id));
      const arrived = await pollUntil(
        async () => receiver.received.filter((f) => f.event === 'message').length >= ids.size,
        5_000,
      );
      expect(arrived).toBe(true);
      await sleep(100);
      const got = receiver.received.filter((f) => f.event === 'message').map((f) => f.data.id);
      expect(new Set(got)).toEqual(ids);
      // Other classes are unaffected.
      expect(await sender.call('get_id')).toMatchObject({ ok: true });
    });
  });

  describe('continued excess', () => {
    const server = useServer({
      config: {
        rate_limits: {
          ...DEFAULTS,
          default: { points: 1, duration_s: 60, burst_points: 0, burst_duration_s: 60 },
          excess_disconnect_s: 1,
        },
      },
    });

    it('disconnects a client that keeps exceeding its limit (too_many_errors)', async () => {
      const a = uniqueName('pest');
      const pest = await registerClient(wire.endpoint(server()), a, PASSWORD, emailFor(a));
      const codes: string[] = [];
      for (let i = 0; i < 20 && !pest.isClosed; i++) {
        codes.push(codeOf(await pest.request('ping', [], pest.token)));
        if (codes.length > 1) await sleep(150);
        if (pest.received.some((f) => f.event === 'disconnect')) break;
      }
      expect(codes[0]).toBe('OK');
      expect(codes.slice(1).every((c) => c === 'rate_limited')).toBe(true);
      const disconnect = pest.received.find((f) => f.event === 'disconnect');
      expect(disconnect?.data).toEqual({ reason: 'too_many_errors' });
      await pest.waitClosed();
    });
  });

  describe('over its limits for excess_disconnect_s', () => {
    const server = useServer({ config: { rate_limits: { ...DEFAULTS, excess_disconnect_s: 2 } } });

    // Sends pings at `perSecond` on average (catching up on timer lag) for up to `ms`,
    // stopping at a disconnect; the count of sent pings.
    async function pingAt(c: TestClient, perSecond: number, ms: number): Promise<number> {
      const start = Date.now();
      let sent = 0;
      while (Date.now() - start < ms && !c.received.some((f) => f.event === 'disconnect')) {
        const due = Math.floor(((Date.now() - start) * perSecond) / 1000);
        for (; sent < due; sent++)
          c.send({ action: 'ping', data: [], tag: `p${sent}`, token: c.token });
        await sleep(20);
      }
      return sent;
    }

    const count = (c: TestClient, code: string) =>
      c.received.filter((f) => codeOf(f) === code).length;

    it('cuts a client flooding at 4x the default limit (too_many_errors)', async () => {
      const name = uniqueName('flood');
      const c = await registerClient(wire.endpoint(server()), name, PASSWORD, emailFor(name));
      const start = Date.now();
      await pingAt(c, 40, 7_000);
      const disconnect = c.received.find((f) => f.event === 'disconnect');
      expect(disconnect?.data).toEqual({ reason: 'too_many_errors' });
      // Over its limits within about a second, then held for excess_disconnect_s (2 s).
      const tookMs = Date.now() - start;
      expect(tookMs).toBeGreaterThanOrEqual(2_000);
      expect(tookMs).toBeLessThan(5_000);
      expect(count(c, 'rate_limited')).toBeGreaterThan(count(c, 'OK'));
      await c.waitClosed();
    });

    it('keeps a client that bursts past its limit, then pauses', async () => {
      const name = uniqueName('bursty');
      const c = await registerClient(wire.endpoint(server()), name, PASSWORD, emailFor(name));
      for (let burst = 0; burst < 5; burst++) {
        const tags = Array.from({ length: 15 }, (_, i) => `b${burst}-${i}`);
        for (const tag of tags) c.send({ action: 'ping', data: [], tag, token: c.token });
        await Promise.all(tags.map((tag) => c.reply(tag)));
        await sleep(1_100);
      }
      expect(count(c, 'rate_limited')).toBeGreaterThan(0);
      expect(c.received.some((f) => f.event === 'disconnect')).toBe(false);
      expect(await c.request('ping', [], c.token)).toMatchObject({ ok: true, data: 'pong' });
    });

    // 25 at once: 20 fit (steady + burst), 5 refused; 60 at once: 40 refused, so the
    // client is over its limits for a moment. Either way the burst leaves the window
    // before the hold runs out, and what follows the pause at 5 a second (half the
    // steady rate) for 3 s, longer than excess_disconnect_s, is all answered.
    for (const [burst, refused] of [
      [25, 5],
      [60, 40],
    ] as const) {
      it(`keeps a client that bursts ${burst} pings, pauses, then goes on at its allowed rate`, async () => {
        const name = uniqueName('burst');
        const c = await registerClient(wire.endpoint(server()), name, PASSWORD, emailFor(name));
        const tags = Array.from({ length: burst }, (_, i) => `b${i}`);
        for (const tag of tags) c.send({ action: 'ping', data: [], tag, token: c.token });
        const replies = await Promise.all(tags.map((tag) => c.reply(tag)));
        const limited = replies.filter((f) => codeOf(f) === 'rate_limited');
        expect(limited).toHaveLength(refused);
        // Pauses as told: until the steady window has refilled.
        await sleep(Math.max(...limited.map((f) => f.error?.retry_after_ms ?? 0)) + 50);
        const sent = await pingAt(c, 5, 3_000);
        const steady = await Promise.all(
          Array.from({ length: sent }, (_, i) => c.reply(`p${i}`).then(codeOf)),
        );
        expect(steady.length).toBeGreaterThanOrEqual(10);
        expect(steady.every((code) => code === 'OK')).toBe(true);
        expect(c.received.some((f) => f.event === 'disconnect')).toBe(false);
        expect(await c.request('ping', [], c.token)).toMatchObject({ ok: true, data: 'pong' });
      });
    }
  });
}
