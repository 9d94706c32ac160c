// message_group [conv, text, client_id?] — store a group message once, then push it to the online members.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { groupMessageInput } from '../fast-inputs.ts';
import { ClientId, ConvName, MessageText } from '../inputs.ts';

export default defineAction({
  name: 'message_group',
  phase: 'session',
  level: 'basic',
  limit: 'chat',
  // Sends of one connection share commits; their seqs keep the order they were sent in.
  pipelined: true,
  input: z.tuple([ConvName, MessageText, ClientId.optional()]),
  fastInput: groupMessageInput,
  run(ctx, [conv, text, clientId]) {
    return ctx.services.groups.post(ctx.session, conv, text, clientId);
  },
});
