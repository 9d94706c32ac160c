// The web ID login under attack, against the real server and the real test IdP (both their
// own processes): the browser is played with fetch and a cookie jar, the page's socket is a
// WebSocket carrying that jar's cookies. A replayed, expired or stolen login code, a wrong
// state and spoiled ID tokens all fail; nothing secret reaches the server's log; an IdP that
// is down gets a clear answer and the rest of the server keeps working.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, type TestClient } from '../protocol/client.ts';
import { cleanup, type ServerHandle, startServer } from '../protocol/harness.ts';
import { codeOf, expectOk, PASSWORD } from '../protocol/util.ts';
import { WsTestClient } from '../protocol/ws-client.ts';
import {
  browserLogin,
  CookieJar,
  type IdpService,
  startIdp,
  type TamperMode,
} from '../services/idp.ts';

let idp: IdpService;
let server: ServerHandle;
/** Every secret a test saw (codes, states, cookies): none may be in the server's output. */
const secrets = new Set<string>();

beforeAll(async () => {
  idp = await startIdp();
  server = await startServer({
    config: {
      identity: { providers: [idp.providerConfig('testidp')] },
    },
    users: [{ username: 'ctl_pat', email: 'ctl_pat@example.test', password: PASSWORD }],
  });
}, 60_000);
afterEach(closeAllClients);
afterAll(async () => {
  await server?.stop();
  await idp?.stop();
  await cleanup();
});

const base = () => `http://127.0.0.1:${server.httpPort}`;

/** A whole sign-in in the browser `jar`: the login code from the fragment, and the binding. */
async function signIn(login: string, jar = new CookieJar()) {
  const result = await browserLogin(`${base()}/oidc/testidp/start`, idp.issuer, { login, jar });
  const code = /#oidc_code=([A-Za-z0-9_-]+)$/.exec(result.url)?.[1];
  for (const u of result.visited) {
    for (const [k, v] of new URL(u).searchParams) {
      if (['code', 'state', 'nonce', 'code_challenge'].includes(k)) secrets.add(v);
    }
  }
  const cookies = jar.header(new URL(`${base()}/ws`));
  for (const c of cookies.split('; ')) secrets.add(c.split('=')[1] ?? '');
  if (code) secrets.add(code);
  return { result, code, jar };
}

/** The page's socket: /ws with the browser's cookies and the page's Origin. */
async function pageSocket(jar?: CookieJar): Promise<TestClient> {
  const headers: Record<string, string> = {};
  const cookie = jar?.header(new URL(`${base()}/ws`));
  if (cookie) headers.cookie = cookie;
  const c = new WsTestClient(base(), headers);
  await c.connect(server.httpPort as number);
  return c;
}

const redeem = (c: TestClient, code: string) => c.request('oidc_code', [code], c.helloToken);

describe('web ID login against the real server', () => {
  it('new identity → oidc_register → session; the same identity again → the same account', async () => {
    const first = await signIn('wendy');
    const c = await pageSocket(first.jar);
    const answer = await redeem(c, first.code as string);
    expect(answer.data).toEqual({ link: 'new', suggested_username: 'wendy' });
    const reg = await c.request('oidc_register', ['wendy'], c.helloToken);
    expectOk(reg, 'oidc_register');
    expect(reg.data).toMatchObject({ username: 'wendy', confirm: false });
    const s = await c.request('set_user', [], c.helloToken);
    expectOk(s, 'set_user');
    const again = await signIn('wendy');
    const d = await pageSocket(again.jar);
    const back = await redeem(d, again.code as string);
    expect(back.data).toEqual({ id: reg.data.id, username: 'wendy', level: 'basic' });
    // The account has no password: veus with any password fails.
    const v = await connectClient(server.port);
    expect(codeOf(await v.request('veus', ['wendy', PASSWORD], v.helloToken))).toBe(
      'invalid_credentials',
    );
  });

  it('refuses a replayed login code', async () => {
    const { code, jar } = await signIn('rita');
    const c = await pageSocket(jar);
    expect((await redeem(c, code as string)).data).toMatchObject({ link: 'new' });
    const d = await pageSocket(jar);
    expect(codeOf(await redeem(d, code as string))).toBe('invalid_credentials');
  });

  it('refuses a code redeemed without the binding cookie, or with another browser’s, and over TCP', async () => {
    for (const thief of ['none', 'other', 'tcp'] as const) {
      const { code, jar } = await signIn(`stolen-${thief}`);
      const other = thief === 'other' ? (await signIn('thief')).jar : undefined;
      const c = thief === 'tcp' ? await connectClient(server.port) : await pageSocket(other);
      expect(codeOf(await redeem(c, code as string)), thief).toBe('invalid_credentials');
      // The try used the code up: the owner's browser cannot redeem it any more.
      const owner = await pageSocket(jar);
      expect(codeOf(await redeem(owner, code as string)), thief).toBe('invalid_credentials');
    }
  });

  it('refuses an expired code (a server with login_code_ttl_s 1)', async () => {
    const quick = await startServer({
      config: { identity: { providers: [idp.providerConfig('testidp')], login_code_ttl_s: 1 } },
    });
    const url = `http://127.0.0.1:${quick.httpPort}`;
    const jar = new CookieJar();
    const result = await browserLogin(`${url}/oidc/testidp/start`, idp.issuer, {
      login: 'late',
      jar,
    });
    const code = /#oidc_code=([A-Za-z0-9_-]+)$/.exec(result.url)?.[1] as string;
    expect(code).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const c = new WsTestClient(url, { cookie: jar.header(new URL(`${url}/ws`)) });
    await c.connect(quick.httpPort as number);
    expect(codeOf(await redeem(c, code))).toBe('invalid_credentials');
    await quick.stop();
  });

  it('refuses a made-up code, and says what a code looks like', async () => {
    const c = await pageSocket(new CookieJar());
    expect(codeOf(await redeem(c, 'A'.repeat(43)))).toBe('invalid_credentials');
    expect(codeOf(await redeem(c, 'short'))).toBe('invalid_input');
  });

  it('answers a callback with a wrong state with an error page, before any token request', async () => {
    const { result, jar } = await signIn('mallory');
    const callback = result.visited.find((u) => u.includes('/oidc/testidp/callback?')) as string;
    const start = new URL(`${base()}/oidc/testidp/start`);
    jar.store(start, await fetch(start, { redirect: 'manual' }));
    const before = (await idp.stats()).token_requests;
    const url = new URL(callback);
    const res = await fetch(url, { headers: { cookie: jar.header(url) }, redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect((await idp.stats()).token_requests).toBe(before);
  });

  const spoiled: TamperMode[] = ['wrong_nonce', 'forged', 'expired', 'wrong_aud'];
  for (const mode of spoiled) {
    it(`gives no login code for an ID token that is ${mode.replace('_', ' ')}`, async () => {
      await idp.tamper(mode);
      const { result, code } = await signIn(`tamper-${mode}`);
      expect(result.status).toBe(400);
      expect(result.body).toContain('did not pass the checks');
      expect(code).toBeUndefined();
    });
  }

  it('never writes a login code, state, nonce, IdP code or cookie to its output', () => {
    const out = server.output.stdout + server.output.stderr;
    expect(out).toContain('ID login callback refused');
    const known = [...secrets].filter((s) => s.length >= 16);
    expect(known.length).toBeGreaterThan(20);
    for (const s of known) expect(out).not.toContain(s);
  });

  it('with --workers 2: a login code is redeemed once across both processes', async () => {
    const pair = await startServer({
      config: { identity: { providers: [idp.providerConfig('testidp')] } },
      args: ['--workers', '2'],
    });
    const url = `http://127.0.0.1:${pair.httpPort}`;
    // Consecutive connections go to the two workers in turn, so each sign-in's two sockets are
    // on different processes; the code lives in the shared database, so the first redeems it
    // wherever it is and the second, on the other process, finds it used.
    for (let i = 0; i < 4; i++) {
      const jar = new CookieJar();
      const result = await browserLogin(`${url}/oidc/testidp/start`, idp.issuer, {
        login: `worker-${i}`,
        jar,
      });
      const code = /#oidc_code=([A-Za-z0-9_-]+)$/.exec(result.url)?.[1] as string;
      const open = async () => {
        const c = new WsTestClient(url, { cookie: jar.header(new URL(`${url}/ws`)) });
        await c.connect(pair.httpPort as number);
        return c;
      };
      const [a, b] = [await open(), await open()];
      expect((await redeem(a, code)).data).toEqual({
        link: 'new',
        suggested_username: `worker-${i}`,
      });
      expect(codeOf(await redeem(b, code))).toBe('invalid_credentials');
    }
    await pair.stop();
  });

  it('limits starts and callbacks per address (429 with Retry-After), not the rest', async () => {
    const strict = await startServer({
      config: {
        limits: { exempt_cidrs: [] },
        identity: { providers: [idp.providerConfig('testidp')], web_logins_per_ip_per_minute: 3 },
      },
    });
    const url = `http://127.0.0.1:${strict.httpPort}`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/oidc/testidp/start`, { redirect: 'manual' });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([303, 303, 303, 429]);
    const callback = await fetch(`${url}/oidc/testidp/callback?code=x&state=y`);
    expect(callback.status).toBe(429);
    // The button list and the page are not counted.
    expect((await fetch(`${url}/oidc/providers`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await strict.stop();
  });

  it('says the IdP cannot be reached while it is down, and everything else keeps working', async () => {
    // A server whose provider was never discovered: the first use finds the IdP down.
    const down = await startIdp();
    const issuer = down.issuer;
    await down.stop();
    const lone = await startServer({
      config: { identity: { providers: [{ ...idp.providerConfig('gone'), issuer }] } },
      users: [{ username: 'ctl_kim', email: 'ctl_kim@example.test', password: PASSWORD }],
    });
    const res = await fetch(`http://127.0.0.1:${lone.httpPort}/oidc/gone/start`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Test IdP cannot be reached right now');
    const c = await connectClient(lone.port);
    expectOk(await c.request('veus', ['ctl_kim', PASSWORD], c.helloToken), 'veus');
    expectOk(await c.request('set_user', [], c.helloToken), 'set_user');
    expect((await fetch(`http://127.0.0.1:${lone.httpPort}/healthz`)).status).toBe(200);
    await lone.stop();
  });
});
