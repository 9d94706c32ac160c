// What the server keeps of a checked ID token: who (issuer, subject), the email if the IdP
// says it is verified, a name to suggest, and the level its claims map to. Small, JSON-safe,
// with no token in it, so the web flow can hold it for its one-time login code.
import type { ProviderSettings } from '../identity-config.ts';
import type { Levels } from '../levels.ts';

/** A user the IdP vouched for, reduced to what login and registration need. */
export interface VerifiedIdentity {
  provider: string;
  issuer: string;
  subject: string;
  /** the `email` claim, lower-cased, or null */
  email: string | null;
  /** true only when the IdP says `email_verified: true` */
  emailVerified: boolean;
  /** preferred_username, else the email's local part, else null */
  nameHint: string | null;
  /** the level `level_claims` gives, or null when none matched (or none is configured) */
  mappedLevel: string | null;
}

/** Builds the identity from claims openid-client has already checked. */
export function verifiedIdentity(
  provider: ProviderSettings,
  claims: Record<string, unknown>,
  levels: Levels,
): VerifiedIdentity {
  const email =
    typeof claims.email === 'string' && claims.email.includes('@')
      ? claims.email.trim().toLowerCase()
      : null;
  const preferred =
    typeof claims.preferred_username === 'string' ? claims.preferred_username : null;
  return {
    provider: provider.name,
    issuer: String(claims.iss),
    subject: String(claims.sub),
    email,
    emailVerified: email !== null && claims.email_verified === true,
    nameHint: preferred ?? (email ? (email.split('@')[0] ?? null) : null),
    mappedLevel: mappedLevel(provider, claims, levels),
  };
}

/** The highest level (in levels.order) that level_claims gives for these claims, or null. */
export function mappedLevel(
  provider: ProviderSettings,
  claims: Record<string, unknown>,
  levels: Levels,
): string | null {
  const mapping = provider.level_claims;
  if (!mapping) return null;
  const raw = claims[mapping.claim];
  const values = Array.isArray(raw) ? raw : [raw];
  let best: string | null = null;
  for (const value of values) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      continue;
    const level = Object.hasOwn(mapping.values, String(value))
      ? mapping.values[String(value)]
      : undefined;
    if (level && (best === null || levels.above(level, best))) best = level;
  }
  return best;
}

/** Every level a provider's level_claims can give. */
export function mappableLevels(provider: ProviderSettings): Set<string> {
  return new Set(Object.values(provider.level_claims?.values ?? {}));
}

/**
 * A valid username (3-32 of A-Z a-z 0-9 _ . -) made from `hint`, free by `isFree`: the hint
 * cleaned up, then with 2, 3, … appended; "user" when nothing is left of the hint.
 */
export async function suggestUsername(
  hint: string | null,
  isFree: (name: string) => Promise<boolean>,
): Promise<string> {
  let base = (hint ?? '').replace(/[^A-Za-z0-9_.-]+/g, '').slice(0, 28);
  if (base.length < 3) base = `${base}user`.slice(0, 28);
  if (await isFree(base)) return base;
  for (let n = 2; n < 1_000; n++) {
    const name = `${base}${n}`;
    if (await isFree(name)) return name;
  }
  return `${base.slice(0, 20)}${Date.now().toString(36).slice(-8)}`;
}
