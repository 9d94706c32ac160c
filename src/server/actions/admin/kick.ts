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
    const present = await sessions.find(username);
    if (!present) {
      if (!(await storage.findUserByName(username)))
        throw new ActionError('not_found', `no user ${username}`);
      throw new ActionError('not_online', `${username} is not online`);
    }
    if (present.id === caller.id)
      throw new ActionError('forbidden', 'use logout to end your own session');
    // The stored level is the truth on every node.
    const target = await storage.findUserById(present.id);
    if (!target) throw new ActionError('not_found', `no user ${username}`);
    if (!levels.atLeast(caller.level, target.level)) {
      throw new ActionError('forbidden', `${target.username} outranks you`);
    }
    sessions.kick(target.id);
    log.info(
      { target: target.username, by: caller.username, sessions: present.sessions },
      'kicked',
    );
    return { username: target.username, sessions: present.sessions };
  },
});
