// show_online_users [] | [limit, after] — users with a live session, sorted by username.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { formatId } from '../inputs.ts';

const Limit = z.number().int().min(1).max(1_000).describe('limit');
const After = z.string().max(64).nullable().describe('after');

export default defineAction({
  name: 'show_online_users',
  aliases: ['who'],
  phase: 'session',
  level: 'basic',
  input: z.tuple([Limit.optional(), After.optional()]),
  async run(ctx, [limit, after]) {
    const page = await ctx.services.sessions.list(limit ?? 1_000, after ?? undefined);
    return {
      users: page.users.map((u) => ({ id: formatId(u.id), username: u.username })),
      total: page.total,
    };
  },
});
