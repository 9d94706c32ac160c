// message_user [username, text, client_id?] — store a direct message, then deliver it.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { directMessageInput } from '../fast-inputs.ts';
import { ClientId, MessageText, Username } from '../inputs.ts';

export default defineAction({
  name: 'message_user',
  aliases: ['msg'],
  phase: 'session',
  level: 'basic',
  limit: 'chat',
  // Sends of one connection share commits; their seqs keep the order they were sent in.
  pipelined: true,
  input: z.tuple([Username, MessageText, ClientId.optional()]),
  fastInput: directMessageInput,
  run(ctx, [to, text, clientId]) {
    const { services, session } = ctx;
    if (!services.config.messages.store) {
      return services.messages.sendDirect(session.user.username, to, text);
    }
    return services.conversations.send(session, to, text, clientId);
  },
});
