// link_identity [provider] — tie an identity at a provider to your account: starts a device
// flow (answered as oidc_start); oidc_wait then answers {linked: provider}.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { defineAction } from '../define.ts';
import { ProviderName } from './inputs.ts';

export default defineAction({
  name: 'link_identity',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ProviderName]),
  async run(ctx, [name]) {
    const { identity, storage } = ctx.services;
    const provider = identity.providers.get(name);
    const mine = await storage.identities.listForUser(ctx.session.user.id);
    if (mine.some((i) => i.provider === provider.name)) {
      throw new ActionError(
        'forbidden',
        `your account is already linked to ${provider.name}; unlink it first`,
      );
    }
    return identity.deviceFlows.start(ctx.conn, provider, {
      kind: 'link',
      userId: ctx.session.user.id,
    });
  },
});
