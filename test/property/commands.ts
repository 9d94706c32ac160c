// The commands of the model test: each runs one client-visible step against the real
// server and checks the reply against what the model predicts, then updates the model.
import type fc from 'fast-check';
import { expect } from 'vitest';
import {
  findUser,
  GOOD_PASSWORD,
  type Level,
  type Model,
  online,
  pick,
  rootUser,
} from './model.ts';
import { expectCode, tally, type World } from './world.ts';

type Cmd = fc.AsyncCommand<Model, World>;

/** Same name with its letters' case swapped (usernames are unique without regard to case). */
function flipCase(name: string): string {
  return [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** A name of this run that is never registered. */
function ghost(m: Model, i: number): string {
  return `${m.prefix}ghost${i}`;
}

/** The reply code the model predicts for message text: the wire limit is 1-4000 code points. */
function textValid(text: string): boolean {
  return text.length > 0 && [...text].length <= 4_000;
}

/** register: a fresh user (ok), a weak password, or a name taken in another case. */
export class Register implements Cmd {
  constructor(
    readonly variant: 'ok' | 'weak' | 'taken',
    readonly n: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const c = await w.connect();
    const name = `${m.prefix}${m.next++}`;
    const email = `${name}@example.com`;
    try {
      if (this.variant === 'taken') {
        const taken = flipCase((pick(m.users, this.n) as { name: string }).name);
        const r = await c.request('create_user', [taken, GOOD_PASSWORD, email], c.helloToken);
        expectCode(r, 'username_taken', `register ${taken}`);
        return;
      }
      if (this.variant === 'weak') {
        const weak = [`${name}-Zq!9x`, 'password1', 'Ab1!xyz'][this.n % 3] as string;
        const r = await c.request('create_user', [name, weak, email], c.helloToken);
        expectCode(r, 'weak_password', `register ${name} with ${weak}`);
        return;
      }
      const r = await c.request('create_user', [name, GOOD_PASSWORD, email], c.helloToken);
      expectCode(r, 'OK', `register ${name}`);
      expect(r.data).toMatchObject({ username: name, confirm: false });
      const s = await c.request('set_user', [], c.helloToken);
      expectCode(s, 'OK', `set_user ${name}`);
      expect(s.data).toMatchObject({ username: name, level: 'basic' });
      c.token = s.data.token;
      m.users.push({ name, password: GOOD_PASSWORD, level: 'basic', online: true, root: false });
      w.add(name, c);
    } finally {
      if (c.token === undefined) c.destroy();
    }
  }
  toString(): string {
    return `register(${this.variant}, ${this.n})`;
  }
}

/** login: veus (right or wrong password, or an unknown name) then set_user on a new connection. */
export class Login implements Cmd {
  constructor(
    readonly kind: 'right' | 'wrong' | 'unknown',
    readonly n: number,
    readonly flip: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const c = await w.connect();
    try {
      const u = this.kind === 'unknown' ? undefined : pick(m.users, this.n);
      const base = u?.name ?? ghost(m, this.n);
      const name = this.flip ? flipCase(base) : base;
      const password = this.kind === 'right' ? (u?.password ?? GOOD_PASSWORD) : `${GOOD_PASSWORD}x`;
      const r = await c.request('veus', [name, password], c.helloToken);
      if (!u || this.kind !== 'right') {
        expectCode(r, 'invalid_credentials', `veus ${name} (${this.kind})`);
        return;
      }
      expectCode(r, 'OK', `veus ${name}`);
      expect(r.data).toMatchObject({ username: u.name, level: u.level });
      const s = await c.request('set_user', [], c.helloToken);
      if (u.online) {
        expectCode(s, 'already_logged_in', `set_user (second) for ${u.name}`);
        return;
      }
      expectCode(s, 'OK', `set_user ${u.name}`);
      expect(s.data).toMatchObject({ username: u.name, level: u.level });
      c.token = s.data.token;
      u.online = true;
      w.add(u.name, c);
    } finally {
      if (c.token === undefined) c.destroy();
    }
  }
  toString(): string {
    return `login(${this.kind}, ${this.n}${this.flip ? ', flip' : ''})`;
  }
}

/** message_user from an online user to an online, offline, unknown or malformed name. */
export class Message implements Cmd {
  constructor(
    readonly from: number,
    readonly toKind: 'online' | 'offline' | 'unknown' | 'malformed',
    readonly to: number,
    readonly flip: boolean,
    readonly text: string,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const from = pick(online(m), this.from);
    if (!from) throw new Error('nobody online (the seeded admin always is)');
    const target =
      this.toKind === 'online'
        ? pick(online(m), this.to)
        : this.toKind === 'offline'
          ? pick(
              m.users.filter((u) => !u.online),
              this.to,
            )
          : undefined;
    let to = target?.name ?? (this.toKind === 'malformed' ? 'x!' : ghost(m, this.to));
    if (this.flip) to = flipCase(to);
    const r = await w.session(from.name).client.call('message_user', [to, this.text]);
    const what = `msg ${from.name} -> ${to} (${this.toKind})`;
    if (this.toKind === 'malformed' || !textValid(this.text)) {
      expectCode(r, 'invalid_input', what);
    } else if (!target) {
      expectCode(r, 'not_found', what);
    } else if (!target.online) {
      // Stored for later: the recipient gets it replayed at its next login.
      expectCode(r, 'OK', what);
      expect(r.data.delivered).toBe(false);
    } else {
      expectCode(r, 'OK', what);
      expect(r.data.delivered).toBe(true);
      expect(typeof r.data.id).toBe('string');
      // A note to self is not pushed to the sending session (it has the reply).
      if (target.name === from.name) return;
      w.session(target.name).expected.push({
        event: 'message',
        id: r.data.id,
        from: from.name,
        to: target.name,
        text: this.text,
      });
    }
  }
  toString(): string {
    const text =
      this.text.length > 20 ? `${this.text.slice(0, 20)}…(${this.text.length})` : this.text;
    return `msg(${this.from}, ${this.toKind}, ${this.to}${this.flip ? ', flip' : ''}, ${JSON.stringify(text)})`;
  }
}

/** who: the checkpoint — online list, deliveries and levels all match the model. */
export class Who implements Cmd {
  constructor(readonly by: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const by = pick(online(m), this.by);
    if (!by) throw new Error('nobody online');
    await w.checkpoint(m, by.name);
  }
  toString(): string {
    return `who(${this.by})`;
  }
}

/** change_permission_level by the seeded admin or an online user (often basic: forbidden). */
export class ChangeLevel implements Cmd {
  constructor(
    readonly byRoot: boolean,
    readonly actor: number,
    readonly targetKind: 'user' | 'self' | 'unknown',
    readonly target: number,
    readonly level: Level | 'owner',
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const actor = (this.byRoot ? undefined : pick(online(m, false), this.actor)) ?? rootUser(m);
    const { name: by, level: byLevel } = actor;
    const target =
      this.targetKind === 'self'
        ? findUser(m, by)
        : this.targetKind === 'user'
          ? pick(
              m.users.filter((u) => !u.root),
              this.target,
            )
          : undefined;
    const name = target?.name ?? ghost(m, this.target);
    const r = await w.session(by).client.call('change_permission_level', [name, this.level]);
    const what = `level: ${by} (${byLevel}) sets ${name} to ${this.level}`;
    if (byLevel !== 'admin') return expectCode(r, 'forbidden', what);
    if (this.level === 'owner') return expectCode(r, 'invalid_input', what);
    if (!target) return expectCode(r, 'not_found', what);
    if (target.name === by) return expectCode(r, 'forbidden', what);
    expectCode(r, 'OK', what);
    expect(r.data).toEqual({ username: target.name, level: this.level });
    target.level = this.level;
    if (target.online) {
      w.session(target.name).expected.push({ event: 'permission_changed', level: this.level, by });
    }
  }
  toString(): string {
    const who = this.byRoot ? 'root' : String(this.actor);
    return `level(${who}, ${this.targetKind}, ${this.target}, ${this.level})`;
  }
}

/** disconnect: an online user (not the seeded admin) logs out or drops its socket. */
export class Disconnect implements Cmd {
  constructor(
    readonly n: number,
    readonly mode: 'logout' | 'close',
  ) {}
  check(m: Readonly<Model>): boolean {
    return online(m, false).length > 0;
  }
  async run(m: Model, w: World): Promise<void> {
    const u = pick(online(m, false), this.n);
    if (!u) throw new Error('check() let a disconnect through with nobody online');
    const s = w.session(u.name);
    await w.checkDeliveries(s);
    if (this.mode === 'logout') {
      const r = await s.client.call('logout');
      expectCode(r, 'OK', `logout ${u.name}`);
      expect(r.data).toBe('bye');
      const ev = await s.client.nextEvent('disconnect', 2_000);
      expect(ev.data).toEqual({ reason: 'logged_out' });
      await s.client.waitClosed(2_000);
    } else {
      s.client.destroy();
      await w.waitOffline(u.name);
      tally('close:OK');
    }
    u.online = false;
    w.sessions.delete(u.name.toLowerCase());
  }
  toString(): string {
    return `disconnect(${this.n}, ${this.mode})`;
  }
}
