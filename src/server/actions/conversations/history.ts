// history [conv, before_seq?, limit?] — the messages just below before_seq, ascending.
import { z } from 'zod';
import { defineAction } from '../define.ts';
import { ConvName, PageLimit, Seq } from '../inputs.ts';

export default defineAction({
  name: 'history',
  phase: 'session',
  level: 'basic',
  input: z.tuple([ConvName, Seq.nullable().optional(), PageLimit(200).optional()]),
  run(ctx, [conv, beforeSeq, limit]) {
    return ctx.services.reading.history(ctx.session, conv, beforeSeq ?? null, limit ?? 50);
  },
});
