// kick [username] — end every live session of a user; each gets disconnect {reason: kicked}.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { defineAction } from '../define.ts';
import { Username } from '../inputs.ts';

export default defineAction({
  name: 'kick',
  phase: 'session',
  level: 'admin',
  audit: { target: 0 },
  input: z.tuple([Username]),
  async run(ctx, [username]) {
    const { sessions, storage, levels, log } = ctx.services;
    const caller = ctx.session.user;
    const targets = [...sessions.ofUsername(username)];
    const target = targets[0]?.user;
    if (!target) {
      if (!(await storage.findUserByName(username)))
        throw new ActionError('not_found', `no user ${username}`);
      throw new ActionError('not_online', `${username} is not online`);
    }
    if (target.id === caller.id)
      throw new ActionError('forbidden', 'use logout to end your own session');
    if (!levels.atLeast(caller.level, target.level)) {
      throw new ActionError('forbidden', `${target.username} outranks you`);
    }
    for (const session of targets) session.peer.disconnect('kicked');
    log.info({ target: target.username, by: caller.username, sessions: targets.length }, 'kicked');
    return { username: target.username, sessions: targets.length };
  },
});
