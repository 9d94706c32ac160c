// The steps of the delivery property test: send (direct or to the group), ack, drop a
// session, log in, restart the server (kill -9 or a graceful stop). Each runs against the real server and checks the
// reply and what the sessions received against the section C model.
import type fc from 'fast-check';
import { expect } from 'vitest';
import {
  convKey,
  cursorOf,
  type DeliveryModel,
  messagesOf,
  noteJoined,
  noteLeft,
  noteSent,
} from './delivery-model.ts';
import type { DeliveryWorld } from './delivery-world.ts';

type Cmd = fc.AsyncCommand<DeliveryModel, DeliveryWorld>;

/** The `i`-th (modulo length) of a list. */
function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length] as T;
}

/** message_user from an online user to another user, online or not: stored, seq next in line. */
export class Send implements Cmd {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly text: string,
  ) {}
  check(m: Readonly<DeliveryModel>): boolean {
    return m.online.size > 0;
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    const from = pick([...m.online].sort(), this.from);
    const to = pick(
      m.users.filter((u) => u !== from),
      this.to,
    );
    const conv = convKey(from, to);
    const r = await w.session(from).client.call('message_user', [to, this.text]);
    expect(r.ok, `send ${from} -> ${to}: ${JSON.stringify(r)}`).toBe(true);
    const seq = messagesOf(m, conv).length + 1;
    expect(r.data.seq, `seq in ${conv} is gapless`).toBe(seq);
    expect(r.data.delivered, `delivered to ${to}`).toBe(m.online.has(to));
    w.learnConv(conv, r.data.conv);
    w.session(from).own.add(`${conv}:${seq}`);
    noteSent(m, from, conv, { seq, from, text: this.text });
  }
  toString(): string {
    return `send(${this.from}, ${this.to}, ${JSON.stringify(this.text)})`;
  }
}

/** message_group from an online member: stored once, seq next in line, `online` exact. */
export class SendGroup implements Cmd {
  constructor(
    readonly from: number,
    readonly text: string,
  ) {}
  check(m: Readonly<DeliveryModel>): boolean {
    return onlineMembers(m).length > 0;
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    const from = pick(onlineMembers(m), this.from);
    const [conv, members] = [...m.groups][0] as [string, Set<string>];
    const r = await w.session(from).client.call('message_group', [conv, this.text]);
    expect(r.ok, `group send ${from}: ${JSON.stringify(r)}`).toBe(true);
    const seq = messagesOf(m, conv).length + 1;
    expect(r.data.seq, `seq in ${conv} is gapless`).toBe(seq);
    const online = [...members].filter((u) => u !== from && m.online.has(u)).length;
    expect(r.data.online, `members online besides ${from}`).toBe(online);
    w.session(from).own.add(`${conv}:${seq}`);
    const to = new Set([...members].filter((u) => u !== from));
    noteSent(m, from, conv, { seq, from, text: this.text, to });
  }
  toString(): string {
    return `sendGroup(${this.from}, ${JSON.stringify(this.text)})`;
  }
}

/** The online members of the run's group, sorted. */
function onlineMembers(m: Readonly<DeliveryModel>): string[] {
  const members = [...m.groups.values()][0] ?? new Set<string>();
  return [...m.online].filter((u) => members.has(u)).sort();
}

/** An online member (not the owner) leaves: nothing more of the group reaches it. */
export class LeaveGroup implements Cmd {
  constructor(readonly user: number) {}
  check(m: Readonly<DeliveryModel>): boolean {
    return onlineMembers(m).some((u) => u !== m.users[0]);
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    const user = pick(
      onlineMembers(m).filter((u) => u !== m.users[0]),
      this.user,
    );
    const conv = [...m.groups.keys()][0] as string;
    // What it was owed arrived before it leaves; after, nothing may.
    await w.expectComplete(m, user);
    const r = await w.session(user).client.call('leave_group', [conv]);
    expect(r, `${user} leaves ${conv}`).toMatchObject({ ok: true, data: 'left' });
    noteLeft(m, user, conv);
    w.session(user).got.delete(conv);
    w.session(user).start.delete(conv);
  }
  toString(): string {
    return `leaveGroup(${this.user})`;
  }
}

/** An online non-member joins again: it starts at the group's last seq, no backlog. */
export class JoinGroup implements Cmd {
  constructor(readonly user: number) {}
  check(m: Readonly<DeliveryModel>): boolean {
    return m.online.size > onlineMembers(m).length && m.groups.size > 0;
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    const members = onlineMembers(m);
    const user = pick([...m.online].filter((u) => !members.includes(u)).sort(), this.user);
    const conv = [...m.groups.keys()][0] as string;
    const r = await w.session(user).client.call('join_group', [conv]);
    expect(r, `${user} joins ${conv}`).toMatchObject({ ok: true, data: { conv, role: 'member' } });
    const last = noteJoined(m, user, conv);
    w.session(user).got.delete(conv);
    w.session(user).start.set(conv, last);
  }
  toString(): string {
    return `joinGroup(${this.user})`;
  }
}

/** ack of a seq the session received: the cursor moves to it, or stays when already above. */
export class Ack implements Cmd {
  constructor(
    readonly user: number,
    readonly which: number,
  ) {}
  check(m: Readonly<DeliveryModel>): boolean {
    return m.online.size > 0;
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    const user = pick([...m.online].sort(), this.user);
    const s = w.session(user);
    w.absorb(m, s);
    const received = [...s.got].flatMap(([conv, seqs]) => seqs.map((seq) => ({ conv, seq })));
    if (received.length === 0) return;
    const { conv, seq } = pick(received, this.which);
    const range = cursorOf(m, user, conv);
    const r = await s.client.call('ack', [w.wireOf.get(conv), seq]);
    expect(r.ok, `ack ${user} ${conv} ${seq}: ${JSON.stringify(r)}`).toBe(true);
    expect(r.data.seq, `cursor of ${user} in ${conv} after ack ${seq}`).toBe(
      Math.max(range.hi, seq),
    );
    range.hi = r.data.seq;
  }
  toString(): string {
    return `ack(${this.user}, ${this.which})`;
  }
}

/** A session drops its socket (no logout) after getting all it must; its unacked come again. */
export class Drop implements Cmd {
  constructor(readonly user: number) {}
  check(m: Readonly<DeliveryModel>): boolean {
    return m.online.size > 0;
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    const user = pick([...m.online].sort(), this.user);
    await w.expectComplete(m, user);
    await w.drop(m, user);
  }
  toString(): string {
    return `drop(${this.user})`;
  }
}

/** An offline user logs in: its replay is everything above its cursor, nothing at or below. */
export class Login implements Cmd {
  constructor(readonly user: number) {}
  check(m: Readonly<DeliveryModel>): boolean {
    return m.online.size < m.users.length;
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    const user = pick(
      m.users.filter((u) => !m.online.has(u)),
      this.user,
    );
    await w.login(m, user);
  }
  toString(): string {
    return `login(${this.user})`;
  }
}

/** The server restarts on the same data: kill -9, or a graceful stop. Every session drops. */
export class Restart implements Cmd {
  constructor(readonly how: 'kill' | 'stop') {}
  check(): boolean {
    return true;
  }
  async run(m: DeliveryModel, w: DeliveryWorld): Promise<void> {
    for (const user of m.online) await w.expectComplete(m, user);
    await w.restart(m, this.how);
  }
  toString(): string {
    return `restart(${this.how})`;
  }
}
