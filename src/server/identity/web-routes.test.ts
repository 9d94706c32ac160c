// The web ID login's routes against the real test IdP (its own process): the browser is
// played with fetch and a cookie jar. A finished flow hands a bound login code in the URL
// fragment; a wrong state, a spoiled ID token, a denial or an IdP that is down end on an
// error page, and no log line holds a code, a state or a cookie.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserLogin,
  CookieJar,
  type IdpService,
  startIdp,
  type TamperMode,
} from '../../../test/services/idp.ts';
import { openSqliteStorage, type SqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { systemClock, systemRandom } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { ProviderConfig } from '../identity-config.ts';
import { Levels } from '../levels.ts';
import { hashToken } from '../security/tokens.ts';
import { LoginCodes } from './login-codes.ts';
import { ProviderRegistry } from './providers.ts';
import { WebLoginRoutes } from './web-routes.ts';

let idp: IdpService;
let storage: SqliteStorage;
let codes: LoginCodes;
let http: Server;
let base: string;
let logged = '';

beforeAll(async () => {
  idp = await startIdp();
  storage = openSqliteStorage(':memory:');
  codes = new LoginCodes(storage.loginCodes, systemClock, systemRandom, 60_000);
  const config = loadConfig({});
  const log = pino(
    new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    }),
  );
  const providers = new ProviderRegistry(
    [
      ProviderConfig.parse(idp.providerConfig('testidp')),
      // A provider whose IdP is down: nothing listens on its issuer's port.
      ProviderConfig.parse({
        name: 'downidp',
        label: 'Down IdP',
        issuer: 'http://127.0.0.1:1',
        client_id: 'x',
        allow_insecure_loopback: true,
      }),
    ],
    5,
    log,
  );
  const routes = new WebLoginRoutes({ providers, levels: new Levels(config.levels), codes, log });
  http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (path.startsWith('/oidc/')) void routes.serve(req, res, path, base, '127.0.0.1');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<p>the page</p>');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  http?.close();
  await storage?.close();
  await idp?.stop();
});

/** A whole sign-in as `login` in the browser `jar`; returns where it ended and the code. */
async function signIn(login: string, jar = new CookieJar()) {
  const result = await browserLogin(`${base}/oidc/testidp/start`, idp.issuer, { login, jar });
  const code = /#oidc_code=([A-Za-z0-9_-]+)$/.exec(result.url)?.[1];
  const binding = /ss_oidc_bind=([^;]+)/.exec(jar.header(new URL(`${base}/ws`)))?.[1];
  return { result, code, binding, jar };
}

describe('web ID login routes', () => {
  it('lists the providers for the buttons, and nothing else', async () => {
    const res = await fetch(`${base}/oidc/providers`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      providers: [
        { name: 'testidp', label: 'Test IdP' },
        { name: 'downidp', label: 'Down IdP' },
      ],
    });
    expect((await fetch(`${base}/oidc/nope/start`, { redirect: 'manual' })).status).toBe(404);
  });

  it('sends the browser to the IdP with PKCE (S256), state and nonce, cookies HttpOnly', async () => {
    const res = await fetch(`${base}/oidc/testidp/start`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get('location') ?? '');
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('redirect_uri')).toBe(`${base}/oidc/testidp/callback`);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('scope')).toBe('openid email profile');
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    for (const c of cookies) expect(c).toMatch(/; HttpOnly; SameSite=Lax$/);
    // The verifier is in the flow cookie only, never in the URL.
    const verifier = /ss_oidc_flow=[^.]+\.[^.]+\.[^.]+\.([^;]+)/.exec(cookies.join('\n'))?.[1];
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.href).not.toContain(verifier);
  });

  it('hands a finished flow a login code in the fragment, bound to this browser', async () => {
    const { result, code, binding } = await signIn('alice');
    expect(result.status).toBe(200);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await codes.redeem(code as string, hashToken(binding as string))).toEqual({
      provider: 'testidp',
      issuer: idp.issuer,
      subject: 'alice',
      email: 'alice@example.test',
      emailVerified: true,
      nameHint: 'alice',
      mappedLevel: null,
    });
  });

  it('refuses a callback whose state is not the browser’s (the code is not exchanged)', async () => {
    const { result } = await signIn('bob');
    const callback = result.visited.find((u) => u.includes('/oidc/testidp/callback?'));
    expect(callback).toBeDefined();
    // Another browser (its own flow in progress) is sent bob's callback URL: login CSRF.
    const victim = new CookieJar();
    const start = new URL(`${base}/oidc/testidp/start`);
    victim.store(start, await fetch(start, { redirect: 'manual' }));
    const before = (await idp.stats()).token_requests;
    const url = new URL(callback as string);
    const res = await fetch(url, { headers: { cookie: victim.header(url) }, redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('did not pass the checks');
    expect((await idp.stats()).token_requests).toBe(before);
    // And with no flow cookie at all.
    const bare = await fetch(url, { redirect: 'manual' });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('expired or was used already');
  });

  const spoiled: TamperMode[] = ['wrong_nonce', 'forged', 'expired', 'wrong_aud', 'wrong_iss'];
  for (const mode of spoiled) {
    it(`refuses an ID token that is ${mode.replace('_', ' ')}`, async () => {
      await idp.tamper(mode);
      const { result, code } = await signIn(`tamper-${mode}`);
      expect((await idp.stats()).tamper_pending).toBe(false);
      expect(result.status).toBe(400);
      expect(result.body).toContain('did not pass the checks');
      expect(code).toBeUndefined();
    });
  }

  it('says so when the user cancels at the IdP', async () => {
    const result = await browserLogin(`${base}/oidc/testidp/start`, idp.issuer, {
      login: 'carol',
      deny: true,
    });
    expect(result.status).toBe(400);
    expect(result.body).toContain('Test IdP did not sign you in');
  });

  it('never logs a code, a state, a nonce or a cookie', async () => {
    const { result, code, binding } = await signIn('logcheck');
    const secrets = [code, binding];
    for (const u of result.visited) {
      const q = new URL(u).searchParams;
      for (const k of ['code', 'state', 'nonce', 'code_challenge'])
        secrets.push(q.get(k) ?? undefined);
    }
    const known = secrets.filter((s): s is string => s !== undefined && s.length > 8);
    expect(known.length).toBeGreaterThanOrEqual(5);
    expect(logged).toContain('ID login callback refused');
    for (const s of known) expect(logged).not.toContain(s);
  });

  it('answers 503 naming the provider while its IdP cannot be reached', async () => {
    const res = await fetch(`${base}/oidc/downidp/start`, { redirect: 'manual' });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Down IdP cannot be reached right now');
    // The working provider is not affected.
    const { code } = await signIn('still-works');
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
