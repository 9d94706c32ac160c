// veus [username_or_#id, password] — log in; verifies this connection for that user.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { defineAction } from '../define.ts';
import { formatId, Login, Password } from '../inputs.ts';

export default defineAction({
  name: 'veus',
  aliases: ['verify_user', 'login'],
  phase: 'hello',
  input: z.tuple([Login, Password]),
  async run(ctx, [login, password]) {
    const { conn, services } = ctx;
    try {
      const user = await services.accounts.verify(login, password, conn.ip);
      conn.verified = { id: user.id, username: user.username, level: user.level };
      return { id: formatId(user.id), username: user.username, level: user.level };
    } catch (err) {
      if (err instanceof ActionError && err.code === 'invalid_credentials') {
        conn.failedLogins++;
        if (conn.failedLogins >= services.config.session.login_attempts) {
          ctx.after(() => conn.disconnect('too_many_login_attempts'));
        }
      }
      throw err;
    }
  },
});
