// ban [username, reason?] — ban a user of a lower level: their sessions end and their logins are refused.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { Reason, Username } from '../inputs.ts';

export default defineAction({
  name: 'ban',
  phase: 'session',
  level: 'admin',
  audit: { target: 0, detail: 1 },
  input: z.tuple([Username, Reason.optional()]),
  async run(ctx, [username, reason]) {
    const { accounts, sessions } = ctx.services;
    const target = await accounts.setBan(ctx.session.user, username, { reason: reason ?? null });
    sessions.end(target.id, 'banned');
    return { username: target.username, banned: true };
  },
});
