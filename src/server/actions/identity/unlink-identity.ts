// unlink_identity [provider] — untie your identity at a provider; refused when it is the
// account's last way to log in (no password and no other identity).
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { defineAction } from '../define.ts';
import { ProviderName } from './inputs.ts';

export default defineAction({
  name: 'unlink_identity',
  phase: 'session',
  level: 'basic',
  audit: { target: 0 },
  input: z.tuple([ProviderName]),
  async run(ctx, [provider]) {
    const result = await ctx.services.storage.identities.unlink(ctx.session.user.id, provider);
    if (result === 'not_found')
      throw new ActionError('not_found', `your account is not linked to ${provider}`);
    if (result === 'last_login') {
      throw new ActionError(
        'forbidden',
        'this is your only way to log in: set a password or link another identity first',
      );
    }
    return {};
  },
});
