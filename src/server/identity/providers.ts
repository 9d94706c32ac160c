// The configured OpenID Connect providers (identity.providers): discovery per provider, done
// lazily on first use and again after a failure (an IdP that was down), through openid-client,
// which also caches the JWKS and refetches it for an unknown key id (rotation). Every ID token
// signature is checked (enableNonRepudiationChecks), not only iss/aud/exp/nonce/azp.
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { ActionError } from '../../protocol/errors.ts';
import { isLoopbackHttp, type ProviderSettings } from '../identity-config.ts';

/** One configured provider. */
export class IdentityProvider {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly settings: ProviderSettings,
    private readonly timeoutS: number,
    private readonly log: Logger,
  ) {}

  get name(): string {
    return this.settings.name;
  }

  /** What the page's button and the terminal show. */
  get label(): string {
    return this.settings.label ?? this.settings.name;
  }

  /** The scopes asked for, as one string. */
  get scope(): string {
    return this.settings.scopes.join(' ');
  }

  /**
   * openid-client's configuration for this provider, discovered once. A failed discovery is
   * forgotten, so the next call tries again; any failure is provider_unavailable.
   */
  async configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover();
    try {
      return await this.discovered;
    } catch (err) {
      this.discovered = undefined;
      this.log.warn(
        { provider: this.name, err: describeError(err) },
        'identity provider discovery failed',
      );
      throw unavailable(this.name);
    }
  }

  /**
   * Drops the discovered configuration (and with it openid-client's JWKS cache): called after
   * the IdP was unreachable or signed with a key not in the cached set, so the next use
   * discovers afresh rather than waiting for the cache to age (openid-client refetches an
   * unknown key only once the cache is a minute old).
   */
  forget(): void {
    this.discovered = undefined;
  }

  /** Maps a failure of a call to this provider (providerError), forgetting the configuration when it may be stale. */
  failed(err: unknown): ActionError {
    const mapped = providerError(this.name, err);
    if (mapped.code === 'provider_unavailable' || hasCode(err, 'OAUTH_KEY_SELECTION_FAILED'))
      this.forget();
    return mapped;
  }

  private async discover(): Promise<oidc.Configuration> {
    const s = this.settings;
    const insecure = s.allow_insecure_loopback && isLoopbackHttp(s.issuer);
    const config = await oidc.discovery(
      new URL(s.issuer),
      s.client_id,
      s.client_secret ? { client_secret: s.client_secret } : undefined,
      s.client_secret ? oidc.ClientSecretBasic(s.client_secret) : oidc.None(),
      { execute: insecure ? [oidc.allowInsecureRequests] : [], timeout: this.timeoutS },
    );
    // openid-client trusts the token endpoint's TLS for ID tokens by default (OIDC Core
    // 3.1.3.7); we check their signatures against the provider's JWKS as well.
    oidc.enableNonRepudiationChecks(config);
    return config;
  }
}

/** The providers by name. */
export class ProviderRegistry {
  private readonly byName = new Map<string, IdentityProvider>();

  constructor(providers: readonly ProviderSettings[], timeoutS: number, log: Logger) {
    for (const p of providers) this.byName.set(p.name, new IdentityProvider(p, timeoutS, log));
  }

  /** The provider called `name`; not_found when none is configured by that name. */
  get(name: string): IdentityProvider {
    const provider = this.byName.get(name);
    if (!provider) throw new ActionError('not_found', `no identity provider "${name}"`);
    return provider;
  }

  /** Names and labels, for the web page's buttons and the terminal client. */
  list(): Array<{ name: string; label: string }> {
    return [...this.byName.values()].map((p) => ({ name: p.name, label: p.label }));
  }

  /** The provider whose configured issuer is `issuer`, if any. */
  byIssuer(issuer: string): IdentityProvider | undefined {
    return [...this.byName.values()].find((p) => p.settings.issuer === issuer);
  }
}

// OAuth errors meaning the user did not (or no longer can) finish: a refusal, not an outage.
const REFUSALS = new Set([
  'access_denied',
  'expired_token',
  'invalid_grant',
  'authorization_pending',
]);

/**
 * Turns an openid-client failure into the client's error: provider_unavailable when the IdP
 * could not be reached or answered with a server error; invalid_credentials when it refused
 * or what it returned failed a check (signature, iss, aud, exp, nonce, azp).
 */
export function providerError(provider: string, err: unknown): ActionError {
  if (err instanceof ActionError) return err;
  if (isUnreachable(err)) return unavailable(provider);
  if (err instanceof oidc.ResponseBodyError && REFUSALS.has(err.error)) {
    const why =
      err.error === 'access_denied'
        ? 'the sign-in was denied'
        : 'the sign-in expired or was already used';
    return new ActionError('invalid_credentials', `${provider}: ${why}`);
  }
  return new ActionError(
    'invalid_credentials',
    `${provider}: the identity provider's answer failed its checks`,
  );
}

function unavailable(provider: string): ActionError {
  return new ActionError(
    'provider_unavailable',
    `identity provider "${provider}" cannot be reached; try again later`,
  );
}

/** A short, secret-free description of a failure for the server's log (no tokens, no bodies). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as
        | { name?: string; message?: string; code?: string; error?: string; cause?: unknown }
        | undefined,
      depth = 0;
    e && depth < 4;
    depth++
  ) {
    parts.push([e.name, e.code, e.error, e.message].filter(Boolean).join(' '));
    e = e.cause as typeof e;
  }
  return parts.join(' <- ').slice(0, 300);
}

function hasCode(err: unknown, code: string): boolean {
  for (
    let e = err as { code?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (e.code === code) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** True for network errors, timeouts and 5xx answers (after openid-client's own retry). */
export function isUnreachable(err: unknown): boolean {
  for (
    let e = err as { name?: string; code?: string; status?: number; cause?: unknown } | undefined,
      depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (e.name === 'TypeError' && (e as { message?: string }).message === 'fetch failed')
      return true;
    if (
      typeof e.code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR_)/.test(e.code)
    )
      return true;
    if (err instanceof oidc.ResponseBodyError && err.status >= 500) return true;
    if (typeof e.status === 'number' && e.status >= 500) return true;
    e = e.cause as typeof e;
  }
  return false;
}
