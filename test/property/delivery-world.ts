// The real side of the delivery property test: the server process (restarted on the same
// data directory, by kill -9 or a graceful stop), one TCP client per live session, and the
// checks of what each session received against the section C model.
import { expect } from 'vitest';
import { type Frame, loginClient, registerClient, type TestClient } from '../protocol/client.ts';
import { type ServerHandle, startServer } from '../protocol/harness.ts';
import { pollUntil } from '../protocol/util.ts';
import {
  convsOf,
  cursorOf,
  type DeliveryModel,
  messagesOf,
  noteKilled,
  noteReceived,
  recipientsOf,
  settleAcks,
} from './delivery-model.ts';

/** The password of every user of the delivery test. */
export const DELIVERY_PASSWORD = 'Tq7!long-pass-XY';

/** Config of the delivery test's server: sessions must outlive slow runs. */
export const DELIVERY_CONFIG = { session: { heartbeat_timeout_s: 300 } };

/** One live session: its client, where it started in each conversation and what it got. */
export interface DeliverySession {
  user: string;
  client: TestClient;
  /** Frames of client.received already checked. */
  checked: number;
  /** Per model conversation: the cursor at login (what came before is not sent again). */
  start: Map<string, number>;
  /** Per model conversation: the seqs received in this session, in order. */
  got: Map<string, number[]>;
  /** `${conv}:${seq}` of the messages this session sent (it has their reply, not an event). */
  own: Set<string>;
}

/** The server and the sessions of one property run. */
export class DeliveryWorld {
  readonly sessions = new Map<string, DeliverySession>();
  /** Wire `conv` (dm:00001:00002) ↔ model key, learnt from send replies. */
  readonly wireOf = new Map<string, string>();
  private readonly keyOf = new Map<string, string>();

  constructor(public server: ServerHandle) {}

  /** The live session of `user`; throws when the model and the world disagree. */
  session(user: string): DeliverySession {
    const s = this.sessions.get(user);
    if (!s) throw new Error(`no live session for ${user}`);
    return s;
  }

  /** Records the wire name of a conversation. */
  learnConv(key: string, wire: string): void {
    this.wireOf.set(key, wire);
    this.keyOf.set(wire, key);
  }

  /** Registers `user` (a new account, logged in; nothing to replay). */
  async register(m: DeliveryModel, user: string): Promise<void> {
    const c = await registerClient(
      this.server.port,
      user,
      DELIVERY_PASSWORD,
      `${user}@example.com`,
    );
    await this.begin(m, user, c);
  }

  /** Logs `user` in and checks its replay: everything above its cursor, nothing at or below. */
  async login(m: DeliveryModel, user: string): Promise<void> {
    const c = await loginClient(this.server.port, user, DELIVERY_PASSWORD);
    await this.begin(m, user, c);
  }

  private async begin(m: DeliveryModel, user: string, client: TestClient): Promise<void> {
    const synced = await client.nextEvent('synced');
    expect(synced.data.more, 'short runs never reach the replay limit').toBe(false);
    const at = client.received.indexOf(synced);
    const replay = client.received.slice(0, at).filter((f) => f.event === 'message');
    expect(synced.data.replayed, 'synced counts the replay').toBe(replay.length);
    const session: DeliverySession = {
      user,
      client,
      checked: at + 1,
      start: new Map(),
      got: new Map(),
      own: new Set(),
    };
    for (const f of replay) this.receive(m, session, f, true);
    for (const conv of convsOf(m, user)) {
      const last = messagesOf(m, conv).length;
      const seqs = session.got.get(conv) ?? [];
      const start = seqs.length > 0 ? (seqs[0] as number) - 1 : last;
      const range = cursorOf(m, user, conv);
      const what = `${user} in ${conv}: replay ${JSON.stringify(seqs)}, cursor ${JSON.stringify(range)}, last ${last}`;
      // Everything above the cursor comes again, in order; nothing at or below it.
      expect(seqs, what).toEqual(Array.from({ length: last - start }, (_, i) => start + i + 1));
      expect(start >= range.lo && start <= range.hi, what).toBe(true);
      range.lo = start;
      range.hi = start;
      range.killed = false;
      session.start.set(conv, start);
    }
    this.sessions.set(user, session);
    m.online.add(user);
  }

  /**
   * The first user creates group `conv` and every other joins it, before any message (the
   * users are online, just registered): all start at seq 0.
   */
  async group(m: DeliveryModel, conv: string): Promise<void> {
    const [first, ...rest] = m.users as [string, ...string[]];
    const created = await this.session(first).client.call('create_group', [conv]);
    expect(created.ok, `create ${conv}: ${JSON.stringify(created)}`).toBe(true);
    for (const user of rest) {
      const joined = await this.session(user).client.call('join_group', [conv]);
      expect(joined.ok, `${user} joins ${conv}: ${JSON.stringify(joined)}`).toBe(true);
    }
    m.groups.set(conv, new Set(m.users));
    this.learnConv(conv, conv);
    for (const user of m.users) this.session(user).start.set(conv, 0);
  }

  /** Checks one message event: in seq order, never twice in the session, as stored. */
  private receive(m: DeliveryModel, s: DeliverySession, f: Frame, replayed: boolean): void {
    const key = this.keyOf.get(f.data.conv);
    expect(key, `message in an unknown conversation: ${JSON.stringify(f)}`).toBeDefined();
    const conv = key as string;
    expect(f.data.replayed === true, `replayed flag of ${JSON.stringify(f)}`).toBe(replayed);
    const seqs = s.got.get(conv) ?? [];
    s.got.set(conv, seqs);
    const seq = f.data.seq as number;
    const previous = seqs.at(-1) ?? 0;
    expect(seq, `${s.user} got seq ${seq} after ${previous} in ${conv}`).toBeGreaterThan(previous);
    const stored = messagesOf(m, conv)[seq - 1];
    expect({ from: f.data.from, text: f.data.text }).toEqual({
      from: stored?.from,
      text: stored?.text,
    });
    seqs.push(seq);
    noteReceived(m, s.user, conv, seq);
  }

  /**
   * Waits until the session has every message the model says it must have (those above
   * its start that it did not send itself), and checks it got exactly those, in order.
   */
  async expectComplete(m: DeliveryModel, user: string): Promise<void> {
    const s = this.session(user);
    const expected = new Map<string, number[]>();
    for (const conv of convsOf(m, user)) {
      const start = s.start.get(conv) ?? 0;
      const want = messagesOf(m, conv)
        .filter((msg) => msg.seq > start && !s.own.has(`${conv}:${msg.seq}`))
        .map((msg) => msg.seq);
      if (want.length > 0) expected.set(conv, want);
    }
    const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
    await pollUntil(async () => {
      this.absorb(m, s);
      return [...s.got.values()].reduce((n, l) => n + l.length, 0) >= total;
    }, 3_000);
    this.absorb(m, s);
    const got = new Map([...s.got].filter(([, l]) => l.length > 0));
    expect(Object.fromEntries(got), `what ${user} received this session`).toEqual(
      Object.fromEntries(expected),
    );
  }

  /** Checks the message events that arrived since the last look. */
  absorb(m: DeliveryModel, s: DeliverySession): void {
    const fresh = s.client.received.slice(s.checked);
    s.checked = s.client.received.length;
    for (const f of fresh) if (f.event === 'message') this.receive(m, s, f, false);
  }

  /** Drops a session's socket; waits until the server has let the user go. */
  async drop(m: DeliveryModel, user: string): Promise<void> {
    this.session(user).client.destroy();
    this.sessions.delete(user);
    m.online.delete(user);
    const other = this.sessions.values().next().value as DeliverySession | undefined;
    if (!other) return;
    // Until the server has seen the socket close, a send would still find the user online.
    const gone = await pollUntil(async () => {
      const r = await other.client.call('who');
      return r.ok === true && !r.data.users.some((u: { username: string }) => u.username === user);
    }, 3_000);
    expect(gone, `${user} still online 3 s after its socket closed`).toBe(true);
  }

  /** Restarts the server on its data directory: SIGKILL, or a graceful stop. */
  async restart(m: DeliveryModel, how: 'kill' | 'stop'): Promise<void> {
    const { dataDir } = this.server;
    if (how === 'kill') {
      this.server.proc.kill('SIGKILL');
      expect((await this.server.exited).signal).toBe('SIGKILL');
      noteKilled(m);
    } else {
      expect((await this.server.stop()).code).toBe(0);
      // A graceful stop writes every noted cursor.
      settleAcks(m);
    }
    for (const s of this.sessions.values()) s.client.destroy();
    this.sessions.clear();
    m.online.clear();
    this.server = await startServer({ dataDir, config: DELIVERY_CONFIG });
  }

  /** End of a run: everyone logs in; every message sent to a user reached it at least once. */
  async finish(m: DeliveryModel): Promise<void> {
    for (const user of m.users) {
      if (!m.online.has(user)) await this.login(m, user);
      await this.expectComplete(m, user);
    }
    for (const [conv, list] of m.convs) {
      for (const msg of list) {
        for (const to of recipientsOf(conv, msg)) {
          const seen = m.everReceived.get(`${to}@${conv}`);
          expect(seen?.has(msg.seq), `${to} never got ${conv} seq ${msg.seq}`).toBe(true);
        }
      }
    }
  }

  /** Closes every socket of the run. */
  close(): void {
    for (const s of this.sessions.values()) s.client.destroy();
    this.sessions.clear();
  }
}
