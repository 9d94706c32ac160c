// sync [limit?] — push the next pending messages this session was not sent, then {replayed, more}.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { PageLimit } from '../inputs.ts';

export default defineAction({
  name: 'sync',
  phase: 'session',
  level: 'basic',
  input: z.tuple([PageLimit(100_000).optional()]),
  run(ctx, [limit]) {
    return ctx.services.conversations.sync(ctx.session, limit);
  },
});
