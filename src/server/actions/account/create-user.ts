// create_user [username, password, email, phone?] — register; verifies this connection.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { Email, formatId, Password, Phone, Username } from '../inputs.ts';

export default defineAction({
  name: 'create_user',
  aliases: ['register'],
  phase: 'hello',
  input: z.tuple([Username, Password, Email, Phone.optional()]),
  async run(ctx, [username, password, email, phone]) {
    const user = await ctx.services.accounts.register({ username, password, email, phone });
    ctx.conn.verified = { id: user.id, username: user.username, level: user.level };
    return { id: formatId(user.id), username: user.username, confirm: false };
  },
});
