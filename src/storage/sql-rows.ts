// The rows of the tables both SQL backends share (SQLite and PostgreSQL have the same
// schema): their column lists and how a row becomes a record. One copy, so the two
// backends cannot map a column differently.
import type {
  ConversationKind,
  ConversationRecord,
  Membership,
  StoredMessage,
} from './conversations.ts';
import type { GroupRecord, Visibility } from './groups.ts';
import type { IdentityRecord } from './identities.ts';
import type { UserRecord } from './storage.ts';

/** A users row. */
export interface UserRow {
  id: number;
  username: string;
  email: string;
  phone: string | null;
  password_hash: string;
  level: string;
  created_at: string;
  failed_logins: number;
  last_failed_at: number | null;
  pending_until: number | null;
  banned_at: number | null;
  ban_reason: string | null;
  deleted_at: number | null;
}

/** The columns of a UserRow. */
export const USER_COLUMNS =
  'id, username, email, phone, password_hash, level, created_at, failed_logins, last_failed_at, pending_until, banned_at, ban_reason, deleted_at';
/** Deleted accounts are invisible to lookups; only listUsers shows them. */
export const LIVE = 'deleted_at IS NULL';
/** The users who can hold a protected level: not deleted, not banned. */
export const ACTIVE = 'deleted_at IS NULL AND banned_at IS NULL';

/** A users row as a record. */
export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    phone: row.phone,
    passwordHash: row.password_hash,
    level: row.level,
    createdAt: row.created_at,
    failedLogins: row.failed_logins,
    lastFailedAt: row.last_failed_at,
    pendingUntil: row.pending_until,
    bannedAt: row.banned_at,
    banReason: row.ban_reason,
    deletedAt: row.deleted_at,
  };
}

/** A conversations row. */
export interface ConvRow {
  id: number;
  key: string;
  kind: ConversationKind;
  last_seq: number;
  last_at: number | null;
}

/** A conversation joined with the caller's conv_members row. */
export interface MemberRow extends ConvRow {
  delivered_seq: number;
  read_seq: number;
}

/** A messages row (without its conversation, which the query names). */
export interface MessageRow {
  seq: number;
  sender_id: number;
  text: string;
  sent_at: number;
  client_id: string | null;
}

/** The columns of a MessageRow. */
export const MESSAGE_COLUMNS = 'seq, sender_id, text, sent_at, client_id';
/** The columns of a MemberRow, from `conversations c JOIN conv_members m`. */
export const MEMBER_COLUMNS =
  'c.id, c.key, c.kind, c.last_seq, c.last_at, m.delivered_seq, m.read_seq';

/** A conversations row as a record. */
export function toConversation(row: ConvRow): ConversationRecord {
  return { id: row.id, key: row.key, kind: row.kind, lastSeq: row.last_seq, lastAt: row.last_at };
}

/** A conversation and membership row as a Membership. */
export function toMembership(row: MemberRow): Membership {
  return { ...toConversation(row), deliveredSeq: row.delivered_seq, readSeq: row.read_seq };
}

/** A messages row of conversation `convId` (key `conv`) as a stored message. */
export function toMessage(convId: number, conv: string, r: MessageRow): StoredMessage {
  return {
    convId,
    conv,
    seq: r.seq,
    senderId: r.sender_id,
    text: r.text,
    sentAt: r.sent_at,
    clientId: r.client_id,
  };
}

/** A groups row joined with its conversation. */
export interface GroupRow {
  conv_id: number;
  name: string;
  visibility: Visibility;
  last_seq: number;
}

/** The columns of a GroupRow, from GROUP_FROM. */
export const GROUP_COLUMNS = 'g.conv_id, g.name, g.visibility, c.last_seq';
/** A group with its conversation. */
export const GROUP_FROM = 'groups g JOIN conversations c ON c.id = g.conv_id';

/** A group row as a record. */
export function toGroup(row: GroupRow): GroupRecord {
  return {
    convId: row.conv_id,
    name: row.name,
    conv: `#${row.name}`,
    visibility: row.visibility,
    lastSeq: row.last_seq,
  };
}

/** An identities row (issue 16). */
export interface IdentityRow {
  user_id: number;
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  linked_at: number;
}

/** The columns of an IdentityRow. */
export const IDENTITY_COLUMNS = 'user_id, provider, issuer, subject, email, linked_at';

/** An identities row as a record. */
export function toIdentity(row: IdentityRow): IdentityRecord {
  return {
    userId: row.user_id,
    provider: row.provider,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    linkedAt: row.linked_at,
  };
}
