// create_user [username, password, email, phone?] — register. Verifies this connection,
// or, when email confirmation is on, stores the account as pending and emails a code.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import type { UserRecord } from '../../../storage/storage.ts';
import { defineAction } from '../define.ts';
import { Email, Password, Phone, Username } from '../inputs.ts';
import { answerRegistered, checkRegistrationPolicy } from './registration.ts';

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
    return answerRegistered(services, conn, user, confirm);
  },
});
