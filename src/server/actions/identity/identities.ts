// identities [] — the identities tied to your account.
import { z } from 'zod';
import { defineAction } from '../define.ts';

export default defineAction({
  name: 'identities',
  phase: 'session',
  level: 'basic',
  input: z.tuple([]),
  async run(ctx) {
    const list = await ctx.services.storage.identities.listForUser(ctx.session.user.id);
    return {
      identities: list.map((i) => ({
        provider: i.provider,
        issuer: i.issuer,
        subject: i.subject,
        email: i.email,
        linked_at: new Date(i.linkedAt).toISOString(),
      })),
    };
  },
});
