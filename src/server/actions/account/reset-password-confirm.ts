// reset_password_confirm [username, code, new_password] — set a new password with an emailed reset code.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConfirmationCode, Password, Username } from '../inputs.ts';

export default defineAction({
  name: 'reset_password_confirm',
  phase: 'hello',
  input: z.tuple([Username, ConfirmationCode, Password.describe('new_password')]),
  async run(ctx, [username, code, newPassword]) {
    const { services, conn } = ctx;
    const user = await services.passwordReset.confirm(username, code, newPassword, conn.ip);
    services.sessions.end(user.id, 'password_changed');
    return 'reset';
  },
});
