// logout [] — end the session; "bye", then disconnect {reason: logged_out} and close.
import { z } from 'zod';
import { defineAction } from '../define.ts';

export default defineAction({
  name: 'logout',
  aliases: ['exit'],
  phase: 'session',
  level: 'basic',
  input: z.tuple([]),
  run(ctx) {
    ctx.after(() => ctx.conn.disconnect('logged_out'));
    return 'bye';
  },
});
