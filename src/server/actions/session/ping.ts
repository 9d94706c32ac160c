// ping [] — liveness check; works with or without a token.
import { z } from 'zod';
import { defineAction } from '../define.ts';

export default defineAction({
  name: 'ping',
  phase: 'any',
  input: z.tuple([]),
  run: () => 'pong',
});
