// group_kick [conv, username] — a moderator or more removes a member of a lower role.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, Username } from '../inputs.ts';

export default defineAction({
  name: 'group_kick',
  phase: 'session',
  level: 'basic',
  audit: { target: 1, detail: 0 },
  input: z.tuple([ConvName, Username]),
  run(ctx, [conv, username]) {
    return ctx.services.moderation.kick(ctx.session, conv, username);
  },
});
