// message_user [username, text] — send a direct message to a user's live session.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { MessageText, Username } from '../inputs.ts';

export default defineAction({
  name: 'message_user',
  aliases: ['msg'],
  phase: 'session',
  level: 'basic',
  limit: 'chat',
  input: z.tuple([Username, MessageText]),
  run(ctx, [to, text]) {
    return ctx.services.messages.sendDirect(ctx.session.user.username, to, text);
  },
});
