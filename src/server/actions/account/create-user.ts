// create_user [username, password, email, phone?] — register. Verifies this connection,
// or, when email confirmation is on, stores the account as pending and emails a code.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import type { UserRecord } from '../../../storage/storage.ts';
import { checkRegistrationPolicy } from '../../identity/registration.ts';
import { defineAction } from '../define.ts';
import { Email, formatId, Password, Phone, Username } from '../inputs.ts';

export default defineAction({
  name: 'create_user',
  aliases: ['register'],
  phase: 'hello',
  input: z.tuple([Username, Password, Email, Phone.optional()]),
  async run(ctx, [username, password, email, phone]) {
    const { conn, services } = ctx;
    checkRegistrationPolicy(services, 'password');
    if (conn.registered) throw new ActionError('forbidden', 'one registration per connection');
    const confirm = services.config.accounts.require_email_confirmation;
    const release = await services.registrations.reserve(conn.ip);
    let user: UserRecord;
    try {
      const pendingUntil = confirm ? services.confirmation.pendingUntil() : null;
      user = await services.accounts.register({ username, password, email, phone, pendingUntil });
    } catch (err) {
      await release();
      throw err;
    }
    conn.registered = true;
    if (confirm) {
      await services.confirmation.sendCode(user);
      return { id: formatId(user.id), username: user.username, confirm: true };
    }
    conn.verified = { id: user.id, username: user.username, level: user.level };
    return { id: formatId(user.id), username: user.username, confirm: false };
  },
});
