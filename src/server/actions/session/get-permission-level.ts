// get_permission_level [] — the caller's permission level.
import { z } from 'zod';
import { defineAction } from '../define.ts';

export default defineAction({
  name: 'get_permission_level',
  phase: 'session',
  level: 'basic',
  input: z.tuple([]),
  run: (ctx) => ctx.session.user.level,
});
