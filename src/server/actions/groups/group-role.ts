// group_role [conv, username, role] — the owner sets a member's role; `owner` hands ownership over.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, GroupRoleInput, Username } from '../inputs.ts';

export default defineAction({
  name: 'group_role',
  phase: 'session',
  level: 'basic',
  audit: { target: 1, detail: [0, 2] },
  input: z.tuple([ConvName, Username, GroupRoleInput]),
  run(ctx, [conv, username, role]) {
    return ctx.services.moderation.setRole(ctx.session, conv, username, role);
  },
});
