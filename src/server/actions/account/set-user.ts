// set_user [] — turn a verified connection into a session; returns the session token.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { defineAction } from '../define.ts';
import { formatId } from '../inputs.ts';

export default defineAction({
  name: 'set_user',
  aliases: ['set_client'],
  phase: 'hello',
  input: z.tuple([]),
  async run(ctx) {
    const { conn, services } = ctx;
    const identity = conn.verified;
    if (!identity) throw new ActionError('not_logged_in', 'verify first (veus or create_user)');
    // The level may have changed since veus; the stored one is the truth.
    const user = await services.storage.findUserById(identity.id);
    if (!user) throw new ActionError('not_logged_in', 'the account no longer exists');
    try {
      const { session, token } = await services.sessions.open(conn, {
        id: user.id,
        username: user.username,
        level: user.level,
      });
      // The socket may have gone while the lookup or the claim ran: a dead connection
      // never keeps a profile.
      if (!conn.isOpen) {
        services.sessions.close(session);
        throw new ActionError('not_logged_in', 'the connection is closing');
      }
      conn.beginSession(session);
      if (services.config.messages.store) {
        // In its groups' online index before the replay reads, so no message falls between.
        await services.groups.attach(session);
        ctx.after(services.conversations.begin(session));
      }
      return { token, id: formatId(user.id), username: user.username, level: user.level };
    } catch (err) {
      if (err instanceof ActionError && err.code === 'server_busy') ctx.after(() => conn.close());
      throw err;
    }
  },
});
