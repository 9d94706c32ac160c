// oidc_register's work: a new account tied to the identity of this connection's ID login,
// without a password. A verified email claim is the account's email (no code needed);
// without one the client gives an email and the normal confirmation applies.
import { ActionError } from '../../protocol/errors.ts';
import { IdentityTaken } from '../../storage/identities.ts';
import { UniqueViolation, type UserRecord } from '../../storage/storage.ts';
import {
  answerRegistered,
  checkRegistrationPolicy,
  type RegisterReply,
} from '../actions/account/registration.ts';
import type { Connection } from '../connection.ts';
import { taken } from '../services/accounts.ts';
import type { Services } from '../services/index.ts';

/** Creates the account for this connection's pending identity and verifies the connection (or mails a code). */
export async function registerWithIdentity(
  services: Services,
  conn: Connection,
  username: string,
  givenEmail: string | undefined,
): Promise<RegisterReply> {
  checkRegistrationPolicy(services, 'identity');
  const identity = conn.pendingIdentity;
  if (!identity)
    throw new ActionError(
      'not_found',
      'no ID login awaiting registration on this connection (oidc_wait first)',
    );
  if (conn.registered) throw new ActionError('forbidden', 'one registration per connection');
  const verifiedEmail = identity.emailVerified ? identity.email : null;
  const email = verifiedEmail ?? givenEmail;
  if (!email) {
    throw new ActionError(
      'invalid_input',
      'input 2 (email): your identity provider gave no verified email; give one',
    );
  }
  const confirm = verifiedEmail === null && services.config.accounts.require_email_confirmation;
  const provider = services.identity.providers.get(identity.provider).settings;
  const level = identity.mappedLevel ?? provider.default_level ?? services.levels.defaultLevel;
  const { storage, clock } = services;
  const release = await services.registrations.reserve(conn.ip);
  let user: UserRecord;
  try {
    await storage.deleteExpiredPending(clock.now());
    if (await storage.isTaken('username', username)) throw taken('username');
    if (await storage.isTaken('email', email)) {
      throw verifiedEmail
        ? new ActionError(
            'email_taken',
            'email is already registered: log in to that account and link_identity',
          )
        : taken('email');
    }
    user = await storage.createUser({
      username,
      email,
      phone: null,
      passwordHash: '',
      level,
      createdAt: new Date(clock.now()).toISOString(),
      pendingUntil: confirm ? services.confirmation.pendingUntil() : null,
      identity: {
        provider: identity.provider,
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
        linkedAt: clock.now(),
      },
    });
  } catch (err) {
    await release();
    if (err instanceof UniqueViolation) throw taken(err.field);
    if (err instanceof IdentityTaken)
      throw new ActionError('identity_taken', 'this identity is already tied to an account');
    throw err;
  }
  conn.pendingIdentity = undefined;
  services.audit.record({
    actor: user.username,
    action: 'oidc_register',
    target: identity.provider,
    outcome: 'ok',
    address: conn.ip,
  });
  return answerRegistered(services, conn, user, confirm);
}
