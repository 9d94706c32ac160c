// Identities at OpenID Connect providers tied to accounts (issue 16): one (issuer, subject)
// belongs to at most one account, by a unique key, never by email. No IdP token is stored.

/** An identity tied to an account. */
export interface IdentityRecord {
  userId: number;
  /** the configured provider's name when it was linked */
  provider: string;
  issuer: string;
  /** the IdP's `sub` claim */
  subject: string;
  /** the email claim when it was linked, if any */
  email: string | null;
  /** ms since the epoch */
  linkedAt: number;
}

/** What linking needs: the record without the account. */
export type NewIdentity = Omit<IdentityRecord, 'userId'>;

/** Thrown when (issuer, subject) is already tied to an account. */
export class IdentityTaken extends Error {
  override name = 'IdentityTaken';
  constructor() {
    super('identity already tied to an account');
  }
}

/** How an unlink ended: done, no such identity, or refused as the account's last way to log in. */
export type UnlinkResult = 'unlinked' | 'not_found' | 'last_login';

/** The identities part of Storage (createUser can also tie one to a new account). */
export interface IdentityStore {
  /** The identity with this issuer and subject, if tied to a (not deleted) account. */
  find(issuer: string, subject: string): Promise<IdentityRecord | undefined>;
  /** A user's identities, oldest link first. */
  listForUser(userId: number): Promise<IdentityRecord[]>;
  /** Ties an identity to an account; throws IdentityTaken when another (or this) account has it. */
  link(userId: number, identity: NewIdentity): Promise<void>;
  /**
   * Unties the user's identity at `provider`, in one transaction refusing (`last_login`) when
   * the account would be left with no password and no other identity.
   */
  unlink(userId: number, provider: string): Promise<UnlinkResult>;
}
