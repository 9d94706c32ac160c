// The real side of the property test: one TCP client per live session, plus the checks
// that compare what those clients saw with the model.
import { expect } from 'vitest';
import { connectClient, type Frame, loginClient, type TestClient } from '../protocol/client.ts';
import { codeOf, pollUntil } from '../protocol/util.ts';
import { type Model, onlineNames, ROOT } from './model.ts';

/** An event a live session must have received, projected to the fields the model predicts. */
export type ExpectedEvent =
  | { event: 'message'; id: string; from: string; to: string; text: string }
  | { event: 'permission_changed'; level: string; by: string };

/** A logged-in client and the events the model says it has been sent so far. */
export interface LiveSession {
  name: string;
  client: TestClient;
  expected: ExpectedEvent[];
}

/** How many replies of each step and code were checked, e.g. `msg:not_online`. */
export const TALLY: Record<string, number> = {};

/** Counts one checked outcome. */
export function tally(key: string): void {
  TALLY[key] = (TALLY[key] ?? 0) + 1;
}

/** Fails with the frame in the message unless its reply code (or 'OK') is `code`; tallies it. */
export function expectCode(frame: Frame, code: string, what: string): void {
  tally(`${what.split(/[ :]/)[0]}:${code}`);
  expect(codeOf(frame), `${what}: ${JSON.stringify(frame).slice(0, 300)}`).toBe(code);
}

/** Projects a received event frame onto the fields ExpectedEvent holds. */
function project(f: Frame): ExpectedEvent {
  if (f.event === 'message') {
    const { id, from, to, text } = f.data;
    return { event: 'message', id, from, to, text };
  }
  return { event: 'permission_changed', level: f.data.level, by: f.data.by };
}

/** The live sessions of one run against a shared server. */
export class World {
  readonly sessions = new Map<string, LiveSession>();

  constructor(readonly port: number) {}

  /** The session of `name` (any case); throws when the model and world disagree. */
  session(name: string): LiveSession {
    const s = this.sessions.get(name.toLowerCase());
    if (!s) throw new Error(`no live client for ${name}`);
    return s;
  }

  /** Records a new session. */
  add(name: string, client: TestClient): void {
    this.sessions.set(name.toLowerCase(), { name, client, expected: [] });
  }

  /** A new connection with its hello read. */
  connect(): Promise<TestClient> {
    return connectClient(this.port);
  }

  /** Logs the seeded admin in and waits until nobody else from earlier runs is online. */
  async start(): Promise<void> {
    const root = await loginClient(this.port, ROOT.name, ROOT.password);
    this.add(ROOT.name, root);
    const alone = await pollUntil(async () => {
      const r = await root.call('who');
      return r.ok === true && r.data.total === 1;
    }, 3_000);
    if (!alone) throw new Error('sessions from an earlier run are still online');
  }

  /**
   * Checks one session got exactly its expected live events, in order (a ping flushes the
   * socket). Messages replayed from storage after a login are not modelled here (the
   * stored-delivery promise has its own tests in test/protocol/delivery*.test.ts).
   */
  async checkDeliveries(s: LiveSession): Promise<void> {
    expectCode(await s.client.call('ping'), 'OK', `ping ${s.name}`);
    const got = s.client.received
      .filter(
        (f) => (f.event === 'message' && !f.data.replayed) || f.event === 'permission_changed',
      )
      .map(project);
    expect(got, `events received by ${s.name}`).toEqual(s.expected);
  }

  /** Checkpoint: `who` from `by` equals the model's online set; deliveries and levels match. */
  async checkpoint(m: Readonly<Model>, by: string): Promise<void> {
    const r = await this.session(by).client.call('who');
    expectCode(r, 'OK', `who by ${by}`);
    const names = (r.data.users as Array<{ username: string }>).map((u) => u.username);
    expect(names, 'who').toEqual(onlineNames(m));
    expect(r.data.total, 'who total').toBe(names.length);
    expect([...this.sessions.keys()].sort()).toEqual(
      onlineNames(m)
        .map((n) => n.toLowerCase())
        .sort(),
    );
    for (const u of m.users.filter((x) => x.online)) {
      const s = this.session(u.name);
      await this.checkDeliveries(s);
      const level = await s.client.call('get_permission_level');
      expect(level.data, `level of ${u.name}`).toBe(u.level);
    }
  }

  /** Waits (at most 2 s) until `name` has left the online list, as seen by the seeded admin. */
  async waitOffline(name: string): Promise<void> {
    const root = this.session(ROOT.name).client;
    const gone = await pollUntil(async () => {
      const r = await root.call('who');
      return r.ok === true && !r.data.users.some((u: { username: string }) => u.username === name);
    }, 2_000);
    expect(gone, `${name} still online 2 s after its socket closed`).toBe(true);
  }

  /** Ends the run: logs everyone out (the seeded admin last) and closes every socket. */
  async stop(): Promise<void> {
    const all = [...this.sessions.values()];
    const last = all
      .filter((s) => s.name !== ROOT.name)
      .concat(all.filter((s) => s.name === ROOT.name));
    for (const s of last) {
      if (!s.client.isClosed) await s.client.call('logout', [], 1_000).catch(() => undefined);
      s.client.destroy();
    }
    this.sessions.clear();
  }
}
