// The `levels` section of the configuration, checked so that every mistake is
// reported once under the key the operator has to change.
import { z } from 'zod';

const levelName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'level names are 1-32 of a-z 0-9 _');

const DEFAULT_LEVEL = 'basic';
const DEFAULT_GRANTS: Record<string, string[]> = { admin: ['admin', 'basic'] };

// `default` and `grants` are optional before the check, so that a default naming a level
// the operator's levels.order lacks is reported as such, not as a mistake in a key never set.
/** The `levels` section: the hierarchy, the default level and who may grant what. */
export const LevelsSection = z
  .strictObject({
    order: z.array(levelName).min(1).default(['basic', 'admin']),
    default: levelName.optional(),
    grants: z.record(levelName, z.array(levelName)).optional(),
  })
  .superRefine((levels, ctx) => {
    const known = new Set(levels.order);
    const missing = (level: string) => !known.has(level);
    if (known.size !== levels.order.length) {
      ctx.addIssue({ code: 'custom', path: ['order'], message: 'duplicate level' });
    }
    if (levels.default === undefined) {
      if (missing(DEFAULT_LEVEL)) {
        ctx.addIssue({
          code: 'custom',
          path: ['default'],
          message: `not set, and its default "${DEFAULT_LEVEL}" is not in levels.order; set levels.default to one of levels.order`,
        });
      }
    } else if (missing(levels.default)) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: 'not a level in levels.order' });
    }
    if (levels.grants === undefined) {
      const unknown = [...new Set(Object.entries(DEFAULT_GRANTS).flat(2))].filter(missing);
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['grants'],
          message: `not set, and the default grants ${JSON.stringify(DEFAULT_GRANTS)} name ${unknown.map((l) => `"${l}"`).join(', ')}, not in levels.order; set levels.grants when you change levels.order`,
        });
      }
      return;
    }
    for (const [granter, granted] of Object.entries(levels.grants)) {
      const unknown = [...new Set([granter, ...granted])].filter(missing);
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['grants', granter],
          message: `${unknown.map((l) => `"${l}"`).join(', ')} not in levels.order`,
        });
      }
    }
  })
  .transform((levels) => ({
    order: levels.order,
    default: levels.default ?? DEFAULT_LEVEL,
    grants: levels.grants ?? DEFAULT_GRANTS,
  }));
