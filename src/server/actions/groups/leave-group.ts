// leave_group [conv] — leave a group (the owner hands over ownership or deletes it first).
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName } from '../inputs.ts';

export default defineAction({
  name: 'leave_group',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ConvName]),
  run(ctx, [conv]) {
    return ctx.services.groups.leave(ctx.session, conv);
  },
});
