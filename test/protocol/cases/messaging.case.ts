// show_online_users (who) and message_user (msg): listing, delivery, text rules.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, registerClient, type TestClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, PASSWORD, pollUntil, uniqueName } from '../util.ts';

interface OnlineUser {
  id: string;
  username: string;
}

// Usernames from a who reply that start with `prefix`.
function named(users: OnlineUser[], prefix: string): string[] {
  return users.map((u) => u.username).filter((n) => n.toLowerCase().startsWith(prefix));
}

/** The who and message_user: listing, delivery, text rules, slow consumers cases, run over `wire`. */
export function messagingCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('show_online_users', () => {
    const server = useServer();
    const port = () => wire.endpoint(server());
    const names = ['wz_bob', 'WZ_Alice', 'wz_Carol', 'Wz_dave'];
    const sorted = ['WZ_Alice', 'wz_bob', 'wz_Carol', 'Wz_dave'];

    it('lists online users sorted case-insensitively, with limit and after cursor', async () => {
      const clients: TestClient[] = [];
      for (const n of names) clients.push(await registerClient(port(), n, PASSWORD, emailFor(n)));
      const c = clients[1] as TestClient;
      const r = await c.call('show_online_users', []);
      expect(r.ok).toBe(true);
      expect(r.data.total).toBe(4);
      expect(r.data.users.map((u: OnlineUser) => u.username)).toEqual(sorted);
      for (const u of r.data.users as OnlineUser[]) expect(u.id).toMatch(/^\d{5,}$/);
      const after = await c.call('who', [1000, 'wz_bob']);
      expect(codeOf(after)).toBe('OK');
      expect(after.data.users.map((u: OnlineUser) => u.username)).toEqual(['wz_Carol', 'Wz_dave']);
      const limited = await c.call('who', [2, 'wz_alice']);
      expect(limited.data.users.map((u: OnlineUser) => u.username)).toEqual(['wz_bob', 'wz_Carol']);
      expect(limited.data.total).toBe(4);
      const one = await c.call('who', [1, 'wz_carol']);
      expect(one.data.users.map((u: OnlineUser) => u.username)).toEqual(['Wz_dave']);
    });

    it('drops users who closed their socket at once', async () => {
      const watcher = uniqueName('wy_watch');
      const leaver = uniqueName('wy_leave');
      const c = await registerClient(port(), watcher, PASSWORD, emailFor(watcher));
      const l = await registerClient(port(), leaver, PASSWORD, emailFor(leaver));
      const before = await c.call('who');
      expect(named(before.data.users, 'wy_')).toContain(leaver);
      l.destroy();
      const gone = await pollUntil(async () => {
        const r = await c.call('who');
        return !named(r.data.users, 'wy_').includes(leaver);
      }, 1000);
      expect(gone).toBe(true);
    });

    it('rejects bad who inputs with invalid_input', async () => {
      const name = uniqueName('whobad');
      const c = await registerClient(port(), name, PASSWORD, emailFor(name));
      expect(codeOf(await c.call('who', ['ten', 'x']))).toBe('invalid_input');
      expect(codeOf(await c.call('who', [1, 2, 3]))).toBe('invalid_input');
    });
  });

  describe('message_user', () => {
    const server = useServer();
    const port = () => wire.endpoint(server());

    async function pair() {
      const a = uniqueName('Ann');
      const b = uniqueName('Ben');
      const ca = await registerClient(port(), a, PASSWORD, emailFor(a));
      const cb = await registerClient(port(), b, PASSWORD, emailFor(b));
      return { a, b, ca, cb };
    }

    it('delivers direct messages both ways with matching ids', async () => {
      const { a, b, ca, cb } = await pair();
      const r = await ca.call('message_user', [b, 'hello bob']);
      expect(r.ok).toBe(true);
      expect(r.data.delivered).toBe(true);
      expect(typeof r.data.id).toBe('string');
      const ev = await cb.nextEvent('message');
      expect(ev.tag).toBe('chat');
      expect(ev.data).toMatchObject({ id: r.data.id, from: a, to: b, text: 'hello bob' });
      expect(ev.data.sent_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d/);
      expect(Number.isNaN(Date.parse(ev.data.sent_at))).toBe(false);
      const back = await cb.call('msg', [a, 'hi ann']);
      expect(back.data.delivered).toBe(true);
      expect(back.data.id).not.toBe(r.data.id);
      const ev2 = await ca.nextEvent('message');
      expect(ev2.data).toMatchObject({ id: back.data.id, from: b, to: a, text: 'hi ann' });
    });

    it('finds the recipient regardless of case', async () => {
      const { b, ca, cb } = await pair();
      expect(codeOf(await ca.call('msg', [b.toUpperCase(), 'case']))).toBe('OK');
      expect((await cb.nextEvent('message')).data.to).toBe(b);
    });

    it('never alters the text', async () => {
      const { b, ca, cb } = await pair();
      const texts = [
        '  leading and trailing spaces  ',
        'tabs\tand\nnewlines\r\n',
        'æøå ÆØÅ 你好 مرحبا 🎉👩‍👩‍👧 e\u0301 \u00e9',
        '"quotes" \\backslash\\ {"json":true} <b>html</b>',
        ' ',
      ];
      for (const text of texts) {
        const r = await ca.call('msg', [b, text]);
        expect(codeOf(r), JSON.stringify(text)).toBe('OK');
        expect((await cb.nextEvent('message')).data.text).toBe(text);
      }
    });

    it('enforces 1–4000 code points', async () => {
      const { b, ca, cb } = await pair();
      expect(codeOf(await ca.call('msg', [b, '']))).toBe('invalid_input');
      expect(codeOf(await ca.call('msg', [b, 'x'.repeat(4001)]))).toBe('invalid_input');
      expect(codeOf(await ca.call('msg', [b, '😀'.repeat(4001)]))).toBe('invalid_input');
      const emoji = '😀'.repeat(4000);
      expect(codeOf(await ca.call('msg', [b, emoji]))).toBe('OK');
      expect((await cb.nextEvent('message')).data.text).toBe(emoji);
      expect(codeOf(await ca.call('msg', [b, 'y'.repeat(4000)]))).toBe('OK');
    });

    it('rejects wrong input shapes with invalid_input', async () => {
      const { b, ca } = await pair();
      for (const data of [
        [],
        [b],
        [b, 42],
        [b, 'x', 'not a client id'],
        [b, 'x', 'c', 1],
        [42, 'x'],
      ]) {
        expect(codeOf(await ca.call('msg', data)), JSON.stringify(data)).toBe('invalid_input');
      }
    });

    it('answers not_found for unknown recipients and stores for offline ones', async () => {
      const { ca } = await pair();
      expect(codeOf(await ca.call('msg', [uniqueName('ghost'), 'hi']))).toBe('not_found');
      const off = uniqueName('off');
      const c = await connectClient(port());
      expect(
        codeOf(await c.request('create_user', [off, PASSWORD, emailFor(off)], c.helloToken)),
      ).toBe('OK');
      c.destroy();
      const stored = await ca.call('msg', [off, 'are you there?']);
      expect(stored).toMatchObject({ ok: true, data: { delivered: false } });
    });
  });

  describe('slow consumer', () => {
    const server = useServer({ config: { limits: { send_queue_bytes: 65536 } } });

    it('drops a receiver that stops reading without slowing the sender', async () => {
      const a = uniqueName('fast');
      const b = uniqueName('slow');
      const sender = await registerClient(wire.endpoint(server()), a, PASSWORD, emailFor(a));
      const receiver = await registerClient(wire.endpoint(server()), b, PASSWORD, emailFor(b));
      receiver.pause();
      const text = '😀'.repeat(4000);
      const deadline = Date.now() + 20_000;
      let last = 'OK';
      let sent = 0;
      let slowest = 0;
      while (sent < 3000 && Date.now() < deadline) {
        const t0 = Date.now();
        const r = await sender.call('msg', [b, text]);
        slowest = Math.max(slowest, Date.now() - t0);
        last = codeOf(r);
        if (last !== 'OK') break;
        // Once the receiver is dropped, messages are stored for it instead.
        if (r.data.delivered === false) {
          last = 'stored';
          break;
        }
        sent += 1;
      }
      expect(last, `after ${sent} delivered messages`).toBe('stored');
      // Generous: it catches a sender stalled behind the receiver (the close grace), not speed.
      expect(slowest).toBeLessThan(5000);
      expect(codeOf(await sender.request('ping'))).toBe('OK');
      receiver.resume();
      await receiver.waitClosed(10_000);
      const events = receiver.received.filter((f) => f.event === 'disconnect');
      if (events.length > 0) expect(events[0]?.data.reason).toBe('slow_consumer');
    }, 60_000);
  });
}
