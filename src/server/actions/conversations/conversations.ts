// conversations [limit?, after?] — the caller's conversations with unread counts, newest first.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, PageLimit } from '../inputs.ts';

export default defineAction({
  name: 'conversations',
  phase: 'session',
  level: 'basic',
  input: z.tuple([PageLimit(1_000).optional(), ConvName.optional()]),
  run(ctx, [limit, after]) {
    return ctx.services.reading.list(ctx.session, limit ?? 100, after);
  },
});
