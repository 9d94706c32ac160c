// The web ID login's HTTP side (issue 16): GET /oidc/providers lists the buttons,
// /oidc/<provider>/start sends the browser to the IdP (code flow with PKCE, state and nonce),
// /oidc/<provider>/callback checks the answer with openid-client and hands the page a
// one-time login code in the URL fragment, which no request (and so no log) ever carries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { SECURITY_HEADERS } from '../http/static-files.ts';
import type { Levels } from '../levels.ts';
import { verifiedIdentity } from './claims.ts';
import {
  BINDING_COOKIE,
  cookie,
  decodeFlow,
  encodeFlow,
  FLOW_COOKIE,
  FLOW_MAX_AGE_S,
  readCookie,
} from './cookies.ts';
import type { LoginCodes } from './login-codes.ts';
import { escapeHtml, loginPage } from './pages.ts';
import { type IdentityProvider, isUnreachable, type ProviderRegistry } from './providers.ts';
import type { WebLoginLimit } from './web-limits.ts';

/** What the routes need from the server. */
export interface WebLoginDeps {
  providers: ProviderRegistry;
  levels: Levels;
  codes: LoginCodes;
  /** Per-address limit of starts and callbacks; absent: none. */
  limit?: WebLoginLimit;
  log: Logger;
}

const ROUTE = /^\/oidc\/([A-Za-z0-9_-]{1,64})\/(start|callback)$/;

/** Serves /oidc/…; the HTTP listener hands it every GET or HEAD under that prefix. */
export class WebLoginRoutes {
  constructor(private readonly deps: WebLoginDeps) {}

  /**
   * Answers a request for `path` (already split from its query). `origin` is the page's
   * origin as the listener vouches for it (http.public_url, or an own origin the Host names);
   * `ip` the client's address.
   */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    origin: string | undefined,
    ip: string,
  ): Promise<void> {
    if (path === '/oidc/providers') return this.providers(res);
    const m = ROUTE.exec(path);
    const provider = m ? this.find(m[1] as string) : undefined;
    if (!m || !provider) return page(res, 404, 'No such sign-in', 'There is no such ID login.');
    const waitMs = await this.deps.limit?.take(ip);
    if (waitMs !== undefined) {
      res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)));
      return page(
        res,
        429,
        'Too many sign-ins',
        'Too many sign-ins from your address: wait a minute.',
      );
    }
    if (origin === undefined) {
      return page(res, 400, 'Sign-in failed', 'This address is not one the server serves.');
    }
    const redirectUri = `${origin}/oidc/${provider.name}/callback`;
    const secure = origin.startsWith('https:');
    if (m[2] === 'start') return this.start(res, provider, redirectUri, secure);
    return this.callback(req, res, provider, redirectUri, secure);
  }

  private find(name: string): IdentityProvider | undefined {
    try {
      return this.deps.providers.get(name);
    } catch {
      return undefined;
    }
  }

  private providers(res: ServerResponse): void {
    const providers = this.deps.providers.list().map(({ name, label }) => ({ name, label }));
    res
      .writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'application/json',
        'cache-control': 'no-store',
      })
      .end(JSON.stringify({ providers }));
  }

  private async start(
    res: ServerResponse,
    provider: IdentityProvider,
    redirectUri: string,
    secure: boolean,
  ): Promise<void> {
    const config = await this.configuration(res, provider);
    if (!config) return;
    const flow = {
      provider: provider.name,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: provider.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    const binding = this.deps.codes.newBinding();
    res
      .writeHead(303, {
        ...SECURITY_HEADERS,
        location: url.href,
        'cache-control': 'no-store',
        'set-cookie': [
          cookie(FLOW_COOKIE, encodeFlow(flow), {
            path: '/oidc/',
            maxAgeS: FLOW_MAX_AGE_S,
            secure,
          }),
          cookie(BINDING_COOKIE, binding, { path: '/', maxAgeS: FLOW_MAX_AGE_S + 120, secure }),
        ],
      })
      .end();
  }

  private async callback(
    req: IncomingMessage,
    res: ServerResponse,
    provider: IdentityProvider,
    redirectUri: string,
    secure: boolean,
  ): Promise<void> {
    // The flow cookie is spent whatever happens: a callback is answered once.
    res.setHeader('set-cookie', cookie(FLOW_COOKIE, '', { path: '/oidc/', maxAgeS: 0, secure }));
    const flow = decodeFlow(readCookie(req, FLOW_COOKIE));
    const binding = readCookie(req, BINDING_COOKIE);
    if (!flow || flow.provider !== provider.name || binding === undefined) {
      this.refused(provider, 'no_flow');
      return page(res, 400, 'Sign-in failed', 'This sign-in expired or was used already.');
    }
    const config = await this.configuration(res, provider);
    if (!config) return;
    const query = (req.url ?? '').split('?', 2)[1] ?? '';
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(`${redirectUri}?${query}`), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = { ...tokens.claims() };
    } catch (err) {
      return this.failed(res, provider, err);
    }
    const identity = verifiedIdentity(provider.settings, claims, this.deps.levels);
    let code: string;
    try {
      code = await this.deps.codes.issue(binding, identity);
    } catch (err) {
      // The database is down (StorageUnavailable) or failing: nothing to hand the page.
      this.refused(provider, `storage ${(err as Error).name}`);
      return page(res, 503, 'Sign-in unavailable', 'The server is busy: try again later.');
    }
    res
      .writeHead(303, {
        ...SECURITY_HEADERS,
        location: `/#oidc_code=${code}`,
        'cache-control': 'no-store',
      })
      .end();
  }

  /** The provider's configuration, or undefined after answering 503 (its IdP is down). */
  private async configuration(
    res: ServerResponse,
    provider: IdentityProvider,
  ): Promise<oidc.Configuration | undefined> {
    try {
      return await provider.configuration();
    } catch {
      page(res, 503, 'Sign-in unavailable', unavailable(provider));
      return undefined;
    }
  }

  private failed(res: ServerResponse, provider: IdentityProvider, err: unknown): void {
    if (err instanceof oidc.AuthorizationResponseError) {
      this.refused(provider, `idp_${err.error}`);
      page(res, 400, 'Sign-in cancelled', `${escapeHtml(provider.label)} did not sign you in.`);
      return;
    }
    if (isUnreachable(err)) {
      this.refused(provider, 'unreachable');
      page(res, 503, 'Sign-in unavailable', unavailable(provider));
      return;
    }
    this.refused(provider, (err as { code?: string }).code ?? (err as Error).name);
    page(res, 400, 'Sign-in failed', 'The identity provider’s answer did not pass the checks.');
  }

  /** One log line per refused callback: the provider and why, never a code, state or token. */
  private refused(provider: IdentityProvider, reason: string): void {
    this.deps.log.warn({ provider: provider.name, reason }, 'ID login callback refused');
  }
}

function unavailable(provider: IdentityProvider): string {
  return `${escapeHtml(provider.label)} cannot be reached right now: try again later.`;
}

function page(res: ServerResponse, status: number, title: string, html: string): void {
  res
    .writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    })
    .end(loginPage(title, html));
}
