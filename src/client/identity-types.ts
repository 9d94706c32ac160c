// The data shapes of ID login (OpenID Connect, docs/protocol.md section 6): the device flow,
// what oidc_wait answers, and the identities tied to an account.
import type { Account } from './types.ts';

/**
 * oidc_start's and link_identity's reply (RFC 8628): the page the user opens, the code they
 * type there, and how long that is possible. The server polls the identity provider itself.
 */
export interface DeviceFlow {
  /** the page where the user signs in and types `user_code` */
  verification_uri: string;
  /** the same page with the code already in it (for a QR code or a link) */
  verification_uri_complete?: string;
  user_code: string;
  /** seconds until the code expires */
  expires_in: number;
  /** the polling interval the provider asked for, in seconds (the server honours it) */
  interval: number;
}

/** oidc_wait's (and oidc_code's) answer when no account is tied to the identity yet. */
export interface NewIdentity {
  link: 'new';
  /** a valid, free username made from the identity's preferred_username or email */
  suggested_username: string;
}

/** oidc_wait's answer after link_identity: the identity is now tied to this account. */
export interface IdentityLinked {
  linked: string;
}

/**
 * What oidcWait() resolves with: the Account when the identity's account is now logged in
 * (set_user done), a NewIdentity (then oidcRegister), or IdentityLinked after linkIdentity.
 */
export type IdentityOutcome = Account | NewIdentity | IdentityLinked;

/** One identity tied to the logged-in account, as identities() lists it. */
export interface LinkedIdentity {
  /** the configured provider's name, e.g. `keycloak` */
  provider: string;
  /** the provider's issuer URL (`iss`) */
  issuer: string;
  /** the provider's id of the person (`sub`) */
  subject: string;
  /** the email the provider vouched for when the identity was linked, if any */
  email: string | null;
  /** ISO 8601 time */
  linked_at: string;
}

/** True when an IdentityOutcome is the "no account yet" answer. */
export function isNewIdentity(r: IdentityOutcome): r is NewIdentity {
  return (r as Partial<NewIdentity>).link === 'new';
}

/** True when an IdentityOutcome is the answer to a link_identity flow. */
export function isIdentityLinked(r: IdentityOutcome): r is IdentityLinked {
  return typeof (r as Partial<IdentityLinked>).linked === 'string';
}
