// "Identity login completed": the one place that turns an identity the IdP vouched for into
// the client's answer, for the device flow (oidc_wait) and the web flow (oidc_code) alike —
// the account tied to (issuer, subject), verified as veus does, with level_claims applied; or
// {link: "new"} with a free username to suggest, the identity kept for oidc_register.
import { ActionError } from '../../protocol/errors.ts';
import { LastHolderError, type UserRecord } from '../../storage/storage.ts';
import { formatId } from '../actions/inputs.ts';
import type { Connection } from '../connection.ts';
import type { Services } from '../services/index.ts';
import type { Identity } from '../services/sessions.ts';
import { mappableLevels, suggestUsername, type VerifiedIdentity } from './claims.ts';

/** How an ID login ended. JSON-safe (the web flow may store it briefly). */
export type LoginOutcome =
  | { kind: 'account'; user: Identity }
  | { kind: 'new'; suggestedUsername: string; identity: VerifiedIdentity };

/** What oidc_wait / oidc_code answer. */
export type LoginReply =
  | { id: string; username: string; level: string }
  | { link: 'new'; suggested_username: string };

/**
 * Finds the account tied to the identity (refusing unconfirmed and banned ones as veus does)
 * and brings its level in line with the provider's level_claims; or, when none is tied yet,
 * suggests a username.
 */
export async function completeIdentityLogin(
  services: Services,
  identity: VerifiedIdentity,
): Promise<LoginOutcome> {
  const { storage } = services;
  const link = await storage.identities.find(identity.issuer, identity.subject);
  const user = link && (await storage.findUserById(link.userId));
  if (!user) {
    const suggestedUsername = await suggestUsername(
      identity.nameHint,
      async (name) => !(await storage.isTaken('username', name)),
    );
    return { kind: 'new', suggestedUsername, identity };
  }
  if (user.pendingUntil !== null)
    throw new ActionError('forbidden', 'confirm your email address first (confirm_user)');
  if (user.bannedAt !== null) throw new ActionError('forbidden', 'this account is banned');
  const level = await applyLevelClaims(services, identity, user);
  return { kind: 'account', user: { id: user.id, username: user.username, level } };
}

/** Marks the connection as the outcome says and returns the wire answer. */
export function answerIdentityLogin(conn: Connection, outcome: LoginOutcome): LoginReply {
  if (outcome.kind === 'account') {
    conn.verified = outcome.user;
    conn.pendingIdentity = undefined;
    const { id, username, level } = outcome.user;
    return { id: formatId(id), username, level };
  }
  conn.pendingIdentity = outcome.identity;
  return { link: 'new', suggested_username: outcome.suggestedUsername };
}

/**
 * The account's level after this login: what level_claims gives when it matched; back to
 * the provider's default when it did not and the account holds a level only the mapping
 * gives out; otherwise unchanged. Never takes the protected level from its last holder.
 */
async function applyLevelClaims(
  services: Services,
  identity: VerifiedIdentity,
  user: UserRecord,
): Promise<string> {
  const provider = services.identity.providers.get(identity.provider).settings;
  if (!provider.level_claims) return user.level;
  const fallback = provider.default_level ?? services.levels.defaultLevel;
  const mapped = mappableLevels(provider);
  const next =
    identity.mappedLevel ??
    (mapped.has(user.level) && user.level !== fallback ? fallback : user.level);
  if (next === user.level) return user.level;
  try {
    await services.storage.setLevel(user.id, next, services.levels.top);
  } catch (err) {
    if (err instanceof LastHolderError) return user.level;
    throw err;
  }
  services.sessions.changeLevel(user.id, next, `identity provider ${provider.name}`);
  services.audit.record({
    actor: null,
    action: 'change_permission_level',
    target: user.username,
    outcome: 'ok',
    detail: `${next} (level_claims of ${provider.name})`,
  });
  services.log.info(
    { user: user.username, level: next, provider: provider.name },
    'level set from identity claims',
  );
  return next;
}
