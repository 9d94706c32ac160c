// Input schemas shared by actions. Each is described with the input's name,
// which dispatch puts in the `invalid_input` message.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

/** 3-32 of A-Z a-z 0-9 _ . - ; case is kept for display. */
export const Username = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, 'must be 3-32 characters of A-Z a-z 0-9 _ . -')
  .describe('username');

/** A username or a `#00042` style id, as veus accepts. */
export const Login = z
  .string()
  .regex(/^(?:[A-Za-z0-9_.-]{3,32}|#\d{1,15})$/, 'must be a username or a #id')
  .describe('username_or_#id');

/** Any string; the password policy is checked by the accounts service (weak_password). */
export const Password = z.string().max(16_384, 'is too long').describe('password');

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** An email address, trimmed and lower-cased. */
export const Email = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().max(254, 'is too long').regex(EMAIL, 'is not a valid email address'))
  .describe('email');

/** A phone number in international form, normalised to E.164. */
export const Phone = z
  .string()
  .max(64, 'is too long')
  .transform((s, ctx) => {
    const parsed = /^\s*\+/.test(s) ? parsePhoneNumberFromString(s) : undefined;
    if (!parsed?.isPossible()) {
      ctx.addIssue({ code: 'custom', message: 'must be an international number like +4791234567' });
      return z.NEVER;
    }
    return parsed.number as string;
  })
  .describe('phone');

/** Counts Unicode code points, as PROTOCOL.md measures message text. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Direct message text: 1-4,000 code points, never altered. */
export const MessageText = z
  .string()
  .refine((s) => s.length > 0 && codePoints(s) <= 4_000, 'must be 1-4000 characters')
  .describe('text');

/** A permission level name (whether it exists is checked against config). */
export const LevelName = z.string().min(1).max(32).describe('level');

/** A free-text reason, e.g. for kill_server. */
/** An emailed confirmation code: six digits. */
export const ConfirmationCode = z
  .string()
  .regex(/^[0-9]{6}$/, 'is six digits')
  .describe('code');

export const Reason = z.string().max(500, 'is at most 500 characters').describe('reason');

/** The wire form of a user id: digits zero-padded to at least five. */
export function formatId(id: number): string {
  return String(id).padStart(5, '0');
}

/** A sender's own message id: 1-64 of A-Z a-z 0-9 _ -. */
export const ClientId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -')
  .describe('client_id');

/** A conversation: `dm:<id>:<id>`, `@username`, `#group` or a group name. */
export const ConvName = z.string().min(1).max(80, 'is too long').describe('conv');

/** A new group's name: 2-32 of a-z 0-9 _ - starting with a letter or digit; `#` optional, any case. */
export const GroupNameInput = z
  .string()
  .transform((s) => (s.startsWith('#') ? s.slice(1) : s).toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_-]{1,31}$/,
        'must be 2-32 characters of a-z 0-9 _ - starting with a letter or digit',
      ),
  )
  .describe('name');

/** A group's visibility. */
export const VisibilityInput = z
  .enum(['public', 'private'], 'must be public or private')
  .describe('visibility');

/** A role in a group. */
export const GroupRoleInput = z
  .enum(['owner', 'moderator', 'member'], 'must be owner, moderator or member')
  .describe('role');

/** A position in a conversation. */
export const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('seq');

/** An instant as ISO 8601 text (`2026-11-25T10:00:00Z`); kept as given, compared as UTC. */
export const IsoTime = z
  .string()
  .max(40, 'is too long')
  .refine((t) => /^\d{4}-\d\d-\d\d/.test(t) && !Number.isNaN(Date.parse(t)), 'is not an ISO time')
  .transform((t) => new Date(t).toISOString())
  .describe('since');

/** audit_log's opaque paging cursor: the `next` of the page before. */
export const AuditCursor = z
  .string()
  .regex(/^[0-9]{1,15}$/, 'is not a cursor from audit_log')
  .transform(Number)
  .describe('before');

/** A page size: at least 1; `max` caps it (larger values count as `max`). */
export function PageLimit(max: number) {
  return z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .transform((n) => Math.min(n, max))
    .describe('limit');
}
