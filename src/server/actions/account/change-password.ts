// change_password [old_password, new_password] — set a new password; the user's other sessions end.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { Password } from '../inputs.ts';
import { countingFailedLogins } from './failed-logins.ts';

export default defineAction({
  name: 'change_password',
  phase: 'session',
  level: 'basic',
  limit: 'auth',
  input: z.tuple([Password.describe('old_password'), Password.describe('new_password')]),
  async run(ctx, [oldPassword, newPassword]) {
    const { conn, services, session } = ctx;
    await countingFailedLogins(ctx, () =>
      services.accounts.changePassword(session.user, oldPassword, newPassword, conn.ip),
    );
    services.audit.record({
      actor: session.user.username,
      action: 'password_changed',
      target: session.user.username,
      outcome: 'ok',
      detail: null,
      address: conn.ip,
    });
    services.sessions.end(session.user.id, 'password_changed', session);
    return 'changed';
  },
});
