// What every way of registering shares (create_user, oidc_register): the policy of
// accounts.registration, and the answer once the account exists.
import { ActionError } from '../../../protocol/errors.ts';
import type { UserRecord } from '../../../storage/storage.ts';
import type { Connection } from '../../connection.ts';
import type { Services } from '../../services/index.ts';
import { formatId } from '../inputs.ts';

/** What a registration answers. */
export interface RegisterReply {
  id: string;
  username: string;
  confirm: boolean;
}

/** Refuses new accounts the policy forbids; `via` tells create_user from ID login. */
export function checkRegistrationPolicy(services: Services, via: 'password' | 'identity'): void {
  const policy = services.config.accounts.registration;
  if (policy === 'closed')
    throw new ActionError('forbidden', 'registration is closed on this server');
  if (policy === 'identity_only' && via === 'password') {
    throw new ActionError('forbidden', 'new accounts are made through ID login (oidc_start)');
  }
}

/**
 * Ends a registration on `conn`: one per connection; with `confirm` a code is mailed and the
 * connection waits for confirm_user, else it is verified for the new account.
 */
export async function answerRegistered(
  services: Services,
  conn: Connection,
  user: UserRecord,
  confirm: boolean,
): Promise<RegisterReply> {
  conn.registered = true;
  if (confirm) {
    await services.confirmation.sendCode(user);
    return { id: formatId(user.id), username: user.username, confirm: true };
  }
  conn.verified = { id: user.id, username: user.username, level: user.level };
  return { id: formatId(user.id), username: user.username, confirm: false };
}
