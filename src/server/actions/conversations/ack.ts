// ack [conv, seq] — the client has everything in conv up to seq (cumulative, idempotent).
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ackInput } from '../fast-inputs.ts';
import { ConvName, Seq } from '../inputs.ts';

export default defineAction({
  name: 'ack',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ConvName, Seq]),
  fastInput: ackInput,
  run(ctx, [conv, seq]) {
    return ctx.services.conversations.ack(ctx.session, conv, seq);
  },
});
