// delete_group [conv] — the owner or a server admin deletes a group and its messages.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName } from '../inputs.ts';

export default defineAction({
  name: 'delete_group',
  phase: 'session',
  level: 'basic',
  audit: { target: 0 },
  input: z.tuple([ConvName]),
  run(ctx, [conv]) {
    return ctx.services.moderation.delete(ctx.session, conv);
  },
});
