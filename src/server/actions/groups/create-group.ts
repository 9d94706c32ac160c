// create_group [name, visibility?] — create a group (public by default) owned by the caller.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { GroupNameInput, VisibilityInput } from '../inputs.ts';

export default defineAction({
  name: 'create_group',
  phase: 'session',
  level: 'basic',
  // Creating is limited like sending, besides groups.max_owned.
  limit: 'chat',
  input: z.tuple([GroupNameInput, VisibilityInput.optional()]),
  run(ctx, [name, visibility]) {
    return ctx.services.groups.create(ctx.session, name, visibility ?? 'public');
  },
});
