import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import ack from './conversations/ack.ts';
import messageGroup from './groups/message-group.ts';
import messageUser from './messaging/message-user.ts';

// Values near every boundary the schemas draw, and plenty that cross them.
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    'a',
    'a'.repeat(4_000),
    'a'.repeat(4_001),
    '🎉'.repeat(4_000),
    '🎉'.repeat(2_001),
  ),
  fc.integer({ min: 3_990, max: 4_010 }).map((n) => '🎉'.repeat(n - 2_000) + 'x'.repeat(2_000)),
);
const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,34}$/),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,66}$/),
  fc.string({ maxLength: 90 }),
  fc.constantFrom('dm:1:2', '@bob', '#room', 'x'.repeat(80), 'x'.repeat(81), 'bob\n'),
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, Number.NaN),
);
const value = fc.oneof(
  text,
  name,
  number,
  fc.constantFrom(null, true, false, undefined),
  fc.jsonValue({ maxDepth: 2 }),
);
const inputs = fc.oneof(
  fc.array(value, { maxLength: 4 }),
  fc.tuple(name, text),
  fc.tuple(name, text, name),
  fc.tuple(name, number),
);

describe('fast input checks', () => {
  for (const action of [messageUser, messageGroup, ack]) {
    it(`${action.name}: accepts exactly what its zod schema accepts, unchanged`, () => {
      const fast = action.fastInput;
      expect(fast).toBeDefined();
      fc.assert(
        fc.property(inputs, (data) => {
          const zod = action.input.safeParse(data);
          expect(fast?.(data)).toBe(zod.success);
          if (zod.success) {
            for (let i = 0; i < 3; i++) expect(zod.data[i]).toBe(data[i]);
          }
        }),
        { numRuns: 5_000 },
      );
    });
  }
});
