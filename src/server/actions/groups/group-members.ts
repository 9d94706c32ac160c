// group_members [conv, limit?, after?] — a page of a group's members sorted by username.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, PageLimit, Username } from '../inputs.ts';

export default defineAction({
  name: 'group_members',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ConvName, PageLimit(1_000).optional(), Username.optional()]),
  run(ctx, [conv, limit, after]) {
    return ctx.services.groups.members(ctx.session, conv, limit ?? 100, after);
  },
});
