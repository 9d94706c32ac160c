// Drives one fuzz run: keeps logged-in and fresh connections open, feeds them generated
// frames in random chunks, limits what may reach argon2, and restarts a stopped server.
import { hashToken } from '../../src/server/security/tokens.ts';
import type { SuperServer } from '../../src/server/server.ts';
import {
  type GenContext,
  mutateBytes,
  randomBytes,
  request,
  serialise,
  split,
} from './generate.ts';
import { Rng } from './rng.ts';
import { createServer, FrameAudit, FuzzConn } from './server-harness.ts';

/** The harness's own accounts; the fuzzer never sends their names or ids to veus. */
const ACCOUNTS = [
  { name: 'fz_admin', password: 'Adm1n-fuzz-secret!', level: 'admin' },
  { name: 'fz_user', password: 'Us3r-fuzz-secret!', level: 'basic' },
  { name: 'fz_checker', password: 'Ch3ck-fuzz-secret!', level: 'basic' },
] as const;
/** Accounts the fuzzer may log in to (and throttle, and lock) with their real passwords. */
const VICTIMS = [1, 2, 3].map((i) => ({ name: `fz_victim${i}`, password: `Vict1m-${i}-secret!` }));
const HELLO_POOL = 8;
const OTHER_IP = '203.0.113.9';

type Lane = 'session' | 'hello' | 'mutated' | 'random';

/** Text that may name an action that hashes or stops the server (names and aliases). */
const RISKY = /veus|verify_user|login|create_user|register|confirm_user|kill_server/;

/** One fuzz run against one in-process server (recreated if a frame stops it). */
export class FuzzRun {
  readonly audit = new FrameAudit();
  readonly r: Rng;
  server: SuperServer;
  steps = 0;
  restarts = 0;
  relogins = 0;
  /** Frames let through to argon2 so far. */
  hashed = 0;
  private readonly g: GenContext;
  private readonly all: FuzzConn[] = [];
  private hello: FuzzConn[] = [];
  private user: FuzzConn | undefined;
  private admin: FuzzConn | undefined;
  private readonly recentTokens: string[] = [];

  constructor(
    seed: number,
    private readonly dbFile: string,
    /** How many frames may reach argon2, spread evenly over `plannedSteps`. */
    readonly hashBudget: number,
    private readonly plannedSteps: number,
  ) {
    this.r = new Rng(seed);
    this.server = createServer(dbFile);
    for (const a of [...ACCOUNTS, ...VICTIMS]) this.audit.secrets.add(a.password);
    this.g = {
      r: this.r,
      actions: [],
      names: [...ACCOUNTS.map((a) => a.name), ...VICTIMS.map((v) => v.name), 'nobody_here'],
      victims: VICTIMS,
      reservedIds: new Set(),
      foreignToken: () => (this.recentTokens.length ? this.r.pick(this.recentTokens) : undefined),
    };
  }

  /** Creates the accounts (as `user add` would) and logs the two harness sessions in. */
  async setup(): Promise<void> {
    const { accounts } = this.server.services;
    for (const a of [...ACCOUNTS, ...VICTIMS]) {
      const level = 'level' in a ? a.level : 'basic';
      const u = await accounts.register({
        ...a,
        username: a.name,
        email: `${a.name}@ex.io`,
        level,
      });
      if ('level' in a) this.g.reservedIds.add(u.id);
    }
    this.g.actions = this.server.registry.all().flatMap((a) => [a.name, ...a.aliases]);
  }

  /** Runs `count` steps (one generated frame or blob each). */
  async run(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.step();
      if (i % 8 === 7) await tick();
      if (!this.server.accepting) await this.restart();
    }
  }

  /** One frame on one connection. */
  private async step(): Promise<void> {
    const r = this.r;
    const lane = r.weighted<Lane>([
      [40, 'session'],
      [30, 'hello'],
      [20, 'mutated'],
      [10, 'random'],
    ]);
    // Broken frames go mostly to fresh connections: a logged-in one closes after 10
    // protocol errors and logging in again costs an argon2 hash.
    const toSession = lane === 'session' || r.chance(0.002);
    const conn = toSession ? await this.sessionConn() : await this.helloConn();
    this.steps++;
    let bytes: Buffer;
    if (lane === 'random') {
      bytes = randomBytes(this.g);
    } else {
      const tokens = { hello: conn.helloToken, session: conn.sessionToken };
      const opts = { secrets: lane !== 'mutated', tame: lane === 'session' };
      const req = request(this.g, tokens, opts);
      const text = this.guard(conn, serialise(this.g, req, opts.tame));
      bytes = Buffer.from(`${text}${r.chance(0.1) ? '\r\n' : '\n'}`);
      if (lane === 'mutated') bytes = mutateBytes(this.g, bytes);
    }
    if (r.chance(0.0005)) conn.transport.slow = true;
    for (const chunk of split(this.g, bytes)) conn.feed(chunk);
  }

  /**
   * Keeps a frame away from argon2 beyond the hash budget (spread evenly over the run),
   * and never lets kill_server run with a token whose session is above basic: either
   * way the frame gets a dead token instead.
   */
  private guard(conn: FuzzConn, text: string): string {
    if (!RISKY.test(text)) return text;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return text;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return text;
    const req = v as Record<string, unknown>;
    if (typeof req.action !== 'string' || typeof req.token !== 'string') return text;
    const action = this.server.registry.resolve(req.action)?.name;
    const { sessions } = this.server.services;
    const level = sessions.byTokenHash(hashToken(req.token))?.user.level;
    const kills = action === 'kill_server' && level !== undefined && level !== 'basic';
    const hashes =
      (action === 'veus' || action === 'create_user' || action === 'confirm_user') &&
      req.token === conn.helloToken &&
      conn.sessionToken === undefined;
    const allowed = (this.steps / this.plannedSteps) * this.hashBudget;
    if (!kills && !(hashes && this.hashed >= allowed)) {
      if (hashes) this.hashed++;
      return text;
    }
    req.token = 'h_spent';
    return JSON.stringify(req);
  }

  /** The logged-in basic or admin connection, logging in again if the server closed it. */
  private async sessionConn(): Promise<FuzzConn> {
    const useAdmin = this.r.chance(0.4);
    let conn = useAdmin ? this.admin : this.user;
    if (!conn?.open) {
      const account = ACCOUNTS[useAdmin ? 0 : 1];
      conn = this.connect();
      const refused = await conn.login(account.name, account.password);
      if (refused) this.audit.fail(`${account.name} cannot log in: ${JSON.stringify(refused)}`);
      this.relogins++;
      if (useAdmin) this.admin = conn;
      else this.user = conn;
    }
    while (conn.transport.paused && conn.open) await tick();
    return conn;
  }

  /** A fresh (not logged-in) connection from the pool that is open and reading. */
  private async helloConn(): Promise<FuzzConn> {
    this.hello = this.hello.filter((c) => c.open);
    while (this.hello.length < HELLO_POOL) {
      this.hello.push(this.connect(this.r.chance(0.2) ? OTHER_IP : '127.0.0.1'));
    }
    for (let tries = 0; tries < 100; tries++) {
      const c = this.r.pick(this.hello);
      if (c.open && !c.transport.paused) return c;
      await tick();
    }
    const c = this.connect();
    this.hello.push(c);
    return c;
  }

  private connect(ip = '127.0.0.1'): FuzzConn {
    const c = new FuzzConn(this.server, this.audit, ip);
    this.all.push(c);
    this.recentTokens.push(c.helloToken);
    if (c.sessionToken) this.recentTokens.push(c.sessionToken);
    if (this.recentTokens.length > 64) this.recentTokens.splice(0, 16);
    return c;
  }

  /** Replaces a server that a kill_server frame stopped (same database). */
  private async restart(): Promise<void> {
    await this.server.stopped;
    this.restarts++;
    this.server = createServer(this.dbFile);
    this.hello = [];
    this.user = undefined;
    this.admin = undefined;
  }

  /**
   * Starts more logins at once than the hash gate admits (4 running, 64 waiting), each on
   * its own connection: the rest must get server_busy. Returns how many did.
   */
  async hashBurst(n: number): Promise<number> {
    const conns = Array.from({ length: n }, () => this.connect());
    const replies = await Promise.all(
      conns.map((c) => c.request('veus', [`nobody_${c.label}`, 'Burst-pw-1234'], c.helloToken)),
    );
    for (const c of conns) c.hangUp();
    return replies.filter((f) => (f.error as { code?: string })?.code === 'server_busy').length;
  }

  /** Waits until the server has written nothing new for a while (at most 10 s). */
  async settle(): Promise<void> {
    let last = -1;
    let quiet = 0;
    const end = Date.now() + 10_000;
    while (quiet < 5 && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      quiet = this.audit.frames === last ? quiet + 1 : 0;
      last = this.audit.frames;
    }
  }

  /** A new connection logs in as the untouched checker account and pings. */
  async freshLoginAndPing(): Promise<unknown> {
    const c = this.connect();
    const { name, password } = ACCOUNTS[2];
    const refused = await c.login(name, password);
    if (refused) return refused;
    return (await c.request('ping', [], c.sessionToken)).data;
  }

  /** Hangs up every connection still open, as clients going away. */
  async hangUpAll(): Promise<void> {
    for (const c of this.all) if (c.open) c.hangUp();
    await tick();
  }
}

/** Lets queued I/O and microtasks run. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
