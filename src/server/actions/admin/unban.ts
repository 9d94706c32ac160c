// unban [username] — lift a ban on a user of a lower level.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { Username } from '../inputs.ts';

export default defineAction({
  name: 'unban',
  phase: 'session',
  level: 'admin',
  audit: { target: 0 },
  input: z.tuple([Username]),
  async run(ctx, [username]) {
    const target = await ctx.services.accounts.setBan(ctx.session.user, username, undefined);
    return { username: target.username, banned: false };
  },
});
