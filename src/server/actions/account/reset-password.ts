// reset_password [username_or_email] — mail a reset code; always "sent", whether or not the account exists.
import { z } from 'zod';
import { defineAction } from '../define.ts';

/** A username or an email address; which accounts exist is never told. */
const UsernameOrEmail = z
  .string()
  .min(3, 'must be a username or an email address')
  .max(254, 'is too long')
  .regex(/^[^\s]+$/, 'must be a username or an email address')
  .describe('username_or_email');

export default defineAction({
  name: 'reset_password',
  phase: 'hello',
  input: z.tuple([UsernameOrEmail]),
  async run(ctx, [usernameOrEmail]) {
    const mail = await ctx.services.passwordReset.request(usernameOrEmail, ctx.conn.ip);
    // Looking the account up after the reply keeps the answer's timing the same either way.
    ctx.after(mail);
    return 'sent';
  },
});
