// invite [conv, username] — a moderator or more invites a user (who may then join a private group).
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, Username } from '../inputs.ts';

export default defineAction({
  name: 'invite',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ConvName, Username]),
  run(ctx, [conv, username]) {
    return ctx.services.groups.invite(ctx.session, conv, username);
  },
});
