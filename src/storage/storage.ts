// The persistence interface, implemented on SQLite (src/storage/sqlite) and PostgreSQL (src/storage/postgres).
import type { ConversationStore } from './conversations.ts';
import type { GroupStore } from './groups.ts';
import type { IdentityStore, NewIdentity } from './identities.ts';
import type { LoginCodeStore } from './login-codes.ts';

/** A stored account. `passwordHash` never leaves the server. */
export interface UserRecord {
  id: number;
  username: string;
  email: string;
  phone: string | null;
  passwordHash: string;
  level: string;
  createdAt: string;
  /** Consecutive failed password logins; reset by a success or `user unlock`. */
  failedLogins: number;
  /** When the last failed login happened (ms since the epoch), if any. */
  lastFailedAt: number | null;
  /** Set while the email address is unconfirmed: when the pending account expires (ms). */
  pendingUntil: number | null;
  /** When a server admin or the operator banned the account (ms), if banned. */
  bannedAt: number | null;
  banReason: string | null;
  /**
   * When the account was deleted (ms). A deleted account keeps its id and, for a
   * while, its name; its email, phone and password hash are gone. Only
   * listUsers returns deleted accounts.
   */
  deletedAt: number | null;
}

/** What registering needs; the storage assigns the id. */
export interface NewUser {
  username: string;
  email: string;
  phone: string | null;
  passwordHash: string;
  level: string;
  createdAt: string;
  /** null for an active account; else when the unconfirmed account expires (ms). */
  pendingUntil: number | null;
  /** An identity to tie to the new account in the same transaction (ID login, issue 16). */
  identity?: NewIdentity;
}

/** What an emailed code is for: confirming a new account's address, or resetting a password. */
export type CodePurpose = 'confirm' | 'reset';

/** A stored emailed code (only its SHA-256 hash is kept). */
export interface EmailCode {
  codeHash: string;
  /** ms since the epoch */
  expiresAt: number;
  attemptsLeft: number;
}

/** One line of the audit log: who did what to whom, when, from where, and how it ended. */
export interface AuditEntry {
  /** ISO 8601 time */
  at: string;
  /** username, `(cli)` for the operator's commands, or null for the server itself */
  actor: string | null;
  action: string;
  target: string | null;
  /** `ok`, or the error code that refused it */
  outcome: string;
  detail: string | null;
  /** the client's address, if it came over the network */
  address: string | null;
}

/** A stored audit entry with its sequence number. */
export interface AuditRecord extends AuditEntry {
  id: number;
}

/** The unique fields a registration can collide on. */
export type UniqueField = 'username' | 'email' | 'phone';

/** Thrown by createUser when a unique index refuses the row. */
export class UniqueViolation extends Error {
  override name = 'UniqueViolation';
  constructor(readonly field: UniqueField) {
    super(`${field} already exists`);
  }
}

/** Thrown by setLevel, deleteUser and setBan when the change would leave no active user at the protected level. */
export class LastHolderError extends Error {
  override name = 'LastHolderError';
}

/**
 * Thrown by a networked storage when its database cannot be reached (down, restarting,
 * out of connections): the request may succeed later, so the client hears `server_busy`.
 */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
}

/** Accounts storage. All methods are async so a networked database fits the same shape. */
export interface Storage {
  /**
   * Inserts a user; throws UniqueViolation on a taken username, email or phone, and
   * IdentityTaken when `identity` is tied to another account. An active account (not
   * pending) joins #global in the same transaction. An empty passwordHash: no password.
   */
  createUser(user: NewUser): Promise<UserRecord>;
  /** Finds a user by username, ignoring case; never a deleted account. */
  findUserByName(username: string): Promise<UserRecord | undefined>;
  /** Finds a user by normalised email address; never a deleted account. */
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  /** Finds a user by id; never a deleted account. */
  findUserById(id: number): Promise<UserRecord | undefined>;
  /** True when the normalised email or phone is registered to an account that is not deleted. */
  isTaken(field: UniqueField, value: string): Promise<boolean>;
  /**
   * Sets a user's level atomically, refusing (LastHolderError) when the user
   * holds `protectedLevel`, is its last holder and would lose it.
   */
  setLevel(id: number, level: string, protectedLevel: string): Promise<void>;
  /** Counts one more failed login at `at` (ms); returns the new consecutive count. */
  recordLoginFailure(id: number, at: number): Promise<number>;
  /** Clears the failed-login count (a success, or an admin's unlock). */
  resetLoginFailures(id: number): Promise<void>;
  /** Replaces a user's password hash (rehash with current parameters). */
  setPasswordHash(id: number, passwordHash: string): Promise<void>;
  /** Stores (replacing any older one) a user's code for a purpose. */
  saveCode(purpose: CodePurpose, userId: number, code: EmailCode): Promise<void>;
  findCode(purpose: CodePurpose, userId: number): Promise<EmailCode | undefined>;
  /** Uses up one attempt of the user's code; returns the attempts left. */
  spendCodeAttempt(purpose: CodePurpose, userId: number): Promise<number>;
  /** Deletes a user's code for a purpose (it was used). */
  dropCode(purpose: CodePurpose, userId: number): Promise<void>;
  /** Makes a pending account active, deletes its confirmation code and joins it to #global. */
  activateUser(userId: number): Promise<void>;
  /**
   * Deletes an account at `at` (ms): its email, phone, password hash, codes,
   * login failures, identities and group memberships go; its id stays and its name stays taken until
   * releaseDeletedNames. Refuses (LastHolderError) to delete the last active
   * holder of `protectedLevel`.
   */
  deleteUser(id: number, at: number, protectedLevel: string): Promise<void>;
  /** Frees the names of accounts deleted before `before` (ms); returns how many. */
  releaseDeletedNames(before: number): Promise<number>;
  /**
   * Bans (with when and why) or unbans (null) an account. Refuses
   * (LastHolderError) to ban the last active holder of `protectedLevel`.
   */
  setBan(
    id: number,
    ban: { at: number; reason: string | null } | null,
    protectedLevel: string,
  ): Promise<void>;
  /** Deletes pending accounts that expired before `now` (ms), freeing their names; returns how many. */
  deleteExpiredPending(now: number): Promise<number>;
  /** Appends audit entries in one transaction. */
  appendAudit(entries: readonly AuditEntry[]): Promise<void>;
  /** Audit entries at or after `since` (ISO time), oldest first, at most `limit`. */
  listAudit(query: { since?: string; limit?: number }): Promise<AuditRecord[]>;
  /**
   * Audit entries newest first (by id): ids below `before` (exclusive; omitted: from the
   * newest), at or after `since` (ISO time), at most `limit`. A page of the admin's view.
   */
  listAuditNewest(query: {
    before?: number;
    since?: string;
    limit: number;
  }): Promise<AuditRecord[]>;
  /** All users in id order, deleted ones too (for the operator). */
  listUsers(): Promise<UserRecord[]>;
  /** Messages, conversations and cursors (src/storage/conversations.ts). */
  readonly conversations: ConversationStore;
  /** Groups, their members, roles, bans and invitations (src/storage/groups.ts). */
  readonly groups: GroupStore;
  /** Identities at OpenID Connect providers (src/storage/identities.ts). */
  readonly identities: IdentityStore;
  /** The web ID login's one-time login codes (src/storage/login-codes.ts). */
  readonly loginCodes: LoginCodeStore;
  close(): Promise<void>;
}

/** The key usernames are unique under: their lower-case form. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}
