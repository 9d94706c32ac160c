// kill_server [reason] — graceful shutdown: "shutting down", then shutdown to everyone, exit 0.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { Reason } from '../inputs.ts';

export default defineAction({
  name: 'kill_server',
  phase: 'session',
  level: 'admin',
  audit: { detail: 0 },
  input: z.tuple([Reason]),
  run(ctx, [reason]) {
    const by = ctx.session.user.username;
    ctx.after(() => ctx.services.shutdown(reason, by));
    return 'shutting down';
  },
});
