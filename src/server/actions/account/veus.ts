// veus [username_or_#id, password] — log in; verifies this connection for that user.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { formatId, Login, Password } from '../inputs.ts';
import { countingFailedLogins } from './failed-logins.ts';

export default defineAction({
  name: 'veus',
  aliases: ['verify_user', 'login'],
  phase: 'hello',
  input: z.tuple([Login, Password]),
  async run(ctx, [login, password]) {
    const { conn, services } = ctx;
    const user = await countingFailedLogins(ctx, () =>
      services.accounts.verify(login, password, conn.ip),
    );
    conn.verified = { id: user.id, username: user.username, level: user.level };
    return { id: formatId(user.id), username: user.username, level: user.level };
  },
});
