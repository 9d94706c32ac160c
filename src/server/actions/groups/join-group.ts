// join_group [conv] — join a public group, or a private one the caller was invited to.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName } from '../inputs.ts';

export default defineAction({
  name: 'join_group',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ConvName]),
  run(ctx, [conv]) {
    return ctx.services.groups.join(ctx.session, conv);
  },
});
