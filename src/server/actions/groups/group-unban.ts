// group_unban [conv, username] — a moderator or more lifts a ban.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, Username } from '../inputs.ts';

export default defineAction({
  name: 'group_unban',
  phase: 'session',
  level: 'basic',
  audit: { target: 1, detail: 0 },
  input: z.tuple([ConvName, Username]),
  run(ctx, [conv, username]) {
    return ctx.services.moderation.unban(ctx.session, conv, username);
  },
});
