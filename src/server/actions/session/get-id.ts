// get_id [] — the caller's id as "#00042".
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { formatId } from '../inputs.ts';

export default defineAction({
  name: 'get_id',
  phase: 'session',
  level: 'basic',
  input: z.tuple([]),
  run: (ctx) => `#${formatId(ctx.session.user.id)}`,
});
