// group_ban [conv, username] — a moderator or more bans (and removes) a user of a lower role.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, Username } from '../inputs.ts';

export default defineAction({
  name: 'group_ban',
  phase: 'session',
  level: 'basic',
  audit: { target: 1, detail: 0 },
  input: z.tuple([ConvName, Username]),
  run(ctx, [conv, username]) {
    return ctx.services.moderation.ban(ctx.session, conv, username);
  },
});
