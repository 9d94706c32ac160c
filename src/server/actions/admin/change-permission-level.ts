// change_permission_level [username, level] — set another user's level, per config grant rules.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { LevelName, Username } from '../inputs.ts';

export default defineAction({
  name: 'change_permission_level',
  phase: 'session',
  level: 'admin',
  audit: { target: 0, detail: 1 },
  input: z.tuple([Username, LevelName]),
  async run(ctx, [username, level]) {
    const { accounts, sessions } = ctx.services;
    const by = ctx.session.user.username;
    const target = await accounts.changeLevel(ctx.session.user, username, level);
    sessions.changeLevel(target.id, level, by);
    ctx.services.log.info({ target: target.username, level, by }, 'permission level changed');
    return { username: target.username, level };
  },
});
