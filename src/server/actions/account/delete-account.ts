// delete_account [password] — delete your own account; every session of it ends with account_deleted.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { Password } from '../inputs.ts';
import { countingFailedLogins } from './failed-logins.ts';

export default defineAction({
  name: 'delete_account',
  phase: 'session',
  level: 'basic',
  limit: 'auth',
  input: z.tuple([Password]),
  async run(ctx, [password]) {
    const { conn, services, session } = ctx;
    const { id, username } = session.user;
    await countingFailedLogins(ctx, () =>
      services.accounts.deleteOwn(session.user, password, conn.ip),
    );
    services.audit.record({
      actor: username,
      action: 'account_deleted',
      target: username,
      outcome: 'ok',
      detail: null,
      address: conn.ip,
    });
    // Its messages stay, shown from DELETED_NAME: this node's name cache forgets it now.
    services.conversations.directory.forget(id);
    ctx.after(() => services.sessions.end(id, 'account_deleted'));
    return 'deleted';
  },
});
