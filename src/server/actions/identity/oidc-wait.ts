// oidc_wait [] — wait for this connection's device flow: after oidc_start, the account
// ({id, username, level}, connection verified) or {link: "new", suggested_username}; after
// link_identity, {linked: provider}.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { IdentityTaken } from '../../../storage/identities.ts';
import { answerIdentityLogin, completeIdentityLogin } from '../../identity/completion.ts';
import { defineAction } from '../define.ts';

export default defineAction({
  name: 'oidc_wait',
  // The hello token after oidc_start, the session token after link_identity.
  phase: 'either',
  input: z.tuple([]),
  async run(ctx) {
    const { conn, services } = ctx;
    const session = conn.session;
    if (!session) {
      const { identity } = await services.identity.deviceFlows.wait(conn, 'login');
      return answerIdentityLogin(conn, await completeIdentityLogin(services, identity));
    }
    const { identity, flow } = await services.identity.deviceFlows.wait(conn, 'link');
    const userId = flow.purpose.kind === 'link' ? flow.purpose.userId : session.user.id;
    const record = {
      actor: session.user.username,
      action: 'link_identity',
      target: identity.provider,
      address: conn.ip,
    };
    try {
      await services.storage.identities.link(userId, {
        provider: identity.provider,
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
        linkedAt: services.clock.now(),
      });
    } catch (err) {
      if (!(err instanceof IdentityTaken)) throw err;
      services.audit.record({ ...record, outcome: 'identity_taken' });
      throw new ActionError('identity_taken', 'this identity is already tied to an account');
    }
    services.audit.record({ ...record, outcome: 'ok' });
    return { linked: identity.provider };
  },
});
