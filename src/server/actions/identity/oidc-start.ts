// oidc_start [provider] — start ID login with the device flow (RFC 8628): the server polls
// the provider; oidc_wait answers when the user finished. The hello token lives as long.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ProviderName } from './inputs.ts';

export default defineAction({
  name: 'oidc_start',
  phase: 'hello',
  input: z.tuple([ProviderName]),
  async run(ctx, [name]) {
    const { identity } = ctx.services;
    const provider = identity.providers.get(name);
    return identity.deviceFlows.start(ctx.conn, provider, { kind: 'login' });
  },
});
