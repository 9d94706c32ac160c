// mark_read [conv, seq] — the user has read conv up to seq (cumulative); tells the other user.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, Seq } from '../inputs.ts';

export default defineAction({
  name: 'mark_read',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ConvName, Seq]),
  run(ctx, [conv, seq]) {
    return ctx.services.reading.markRead(ctx.session, conv, seq);
  },
});
