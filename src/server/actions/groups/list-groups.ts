// list_groups [limit?, after?] — public groups and the caller's own, by name.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, PageLimit } from '../inputs.ts';

export default defineAction({
  name: 'list_groups',
  phase: 'session',
  level: 'basic',
  input: z.tuple([PageLimit(1_000).optional(), ConvName.optional()]),
  run(ctx, [limit, after]) {
    return ctx.services.groups.list(ctx.session, limit ?? 100, after);
  },
});
