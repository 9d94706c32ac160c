// confirm_user [username, code] — the emailed code activates a pending account and
// verifies this connection for it (any connection: the user may have reconnected).
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConfirmationCode, formatId, Username } from '../inputs.ts';

export default defineAction({
  name: 'confirm_user',
  phase: 'hello',
  input: z.tuple([Username, ConfirmationCode]),
  async run(ctx, [username, code]) {
    const { conn, services } = ctx;
    const user = await services.confirmation.confirm(username, code);
    conn.verified = { id: user.id, username: user.username, level: user.level };
    return { id: formatId(user.id), username: user.username, level: user.level };
  },
});
