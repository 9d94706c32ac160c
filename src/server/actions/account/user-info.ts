// user_info [username] — who a user is; email and phone only for yourself or an admin.
import { z } from 'zod';
import { ActionError } from '../../../protocol/errors.ts';
import { defineAction } from '../define.ts';
import { formatId, Username } from '../inputs.ts';

export default defineAction({
  name: 'user_info',
  aliases: ['whois'],
  phase: 'session',
  level: 'basic',
  input: z.tuple([Username]),
  async run(ctx, [username]) {
    const { storage, sessions, levels } = ctx.services;
    const caller = ctx.session.user;
    const user = await storage.findUserByName(username);
    if (!user || user.pendingUntil !== null)
      throw new ActionError('not_found', `no user ${username}`);
    const info = {
      id: formatId(user.id),
      username: user.username,
      level: user.level,
      online: (await sessions.find(user.username)) !== undefined,
      created_at: user.createdAt,
    };
    const admin = levels.atLeast(caller.level, levels.top);
    if (user.id !== caller.id && !admin) return info;
    const own = { ...info, email: user.email, phone: user.phone };
    return admin ? { ...own, banned: user.bannedAt !== null, ban_reason: user.banReason } : own;
  },
});
