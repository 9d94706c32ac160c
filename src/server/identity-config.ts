// The `identity` section of the configuration (issue 16): the OpenID Connect providers
// users may log in with. Levels named here are checked against levels.order in config.ts.
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for an http:// URL on a loopback host (allowed only with allow_insecure_loopback). */
export function isLoopbackHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

const levelName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'level names are 1-32 of a-z 0-9 _');

/** A claim whose values give levels, e.g. {claim: "groups", values: {"chat-admins": "admin"}}. */
const LevelClaims = z.strictObject({
  claim: z.string().min(1).max(200),
  values: z.record(z.string().min(1), levelName),
});

/** One provider. */
export const ProviderConfig = z
  .strictObject({
    // Appears in URLs (/oidc/<name>/…) and on the wire (oidc_start [name]).
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'provider names are 1-32 of a-z 0-9 _ -'),
    // What the web page's button and the terminal client show; the name when not set.
    label: z.string().min(1).max(100).optional(),
    issuer: z.string().refine((u) => {
      try {
        return ['https:', 'http:'].includes(new URL(u).protocol);
      } catch {
        return false;
      }
    }, 'must be the issuer URL, e.g. https://id.example.com/realms/main'),
    client_id: z.string().min(1),
    // A secret (never logged). Not set: a public client (PKCE only). Also from the environment:
    // SUPER_SERVER__IDENTITY__CLIENT_SECRET__<NAME>.
    client_secret: z.string().min(1).optional(),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is one word'))
      .default(['openid', 'email', 'profile'])
      .refine((s) => s.includes('openid'), 'must include openid'),
    // The level of accounts registered through this provider; levels.default when not set.
    default_level: levelName.optional(),
    // Levels from a claim, applied at registration and at each login (the highest match wins).
    level_claims: LevelClaims.nullable().default(null),
    // Development and tests only: allow an http:// issuer on a loopback address.
    allow_insecure_loopback: z.boolean().default(false),
  })
  .refine(
    (p) =>
      new URL(p.issuer).protocol === 'https:' ||
      (p.allow_insecure_loopback && isLoopbackHttp(p.issuer)),
    {
      path: ['issuer'],
      message: 'must be https:// (http:// only on a loopback address with allow_insecure_loopback)',
    },
  );

/** A provider as configured. */
export type ProviderSettings = z.infer<typeof ProviderConfig>;

/** The `identity` section. */
export const IdentitySection = z
  .strictObject({
    providers: z.array(ProviderConfig).default([]),
    // How long one request to an identity provider may take.
    request_timeout_s: z.number().positive().max(120).default(10),
    // How long the web ID login's one-time login code can be redeemed (oidc_code).
    login_code_ttl_s: z.number().positive().max(600).default(60),
    // Web ID login starts and callbacks one address may make per minute (limits.exempt_cidrs
    // are exempt): each callback costs a token request to the identity provider.
    web_logins_per_ip_per_minute: z.number().int().positive().default(30),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.providers.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: ['providers', i, 'name'],
          message: 'duplicate provider name',
        });
      seen.add(p.name);
    });
  });

/** Every level a provider entry names, with the key path that names it (checked against levels.order). */
export function providerLevels(
  providers: readonly ProviderSettings[],
): Array<{ path: (string | number)[]; level: string }> {
  const out: Array<{ path: (string | number)[]; level: string }> = [];
  providers.forEach((p, i) => {
    if (p.default_level)
      out.push({ path: ['identity', 'providers', i, 'default_level'], level: p.default_level });
    for (const [value, level] of Object.entries(p.level_claims?.values ?? {})) {
      out.push({ path: ['identity', 'providers', i, 'level_claims', 'values', value], level });
    }
  });
  return out;
}
