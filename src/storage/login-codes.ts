// The one-time login codes of the web ID login (issue 16): the callback stores one, the
// page redeems it with oidc_code. Only hashes of the code and of the browser binding are kept.

/** A stored login code: what the callback learnt, waiting to be redeemed once. */
export interface LoginCodeRecord {
  /** SHA-256 (hex) of the code the page holds. */
  codeHash: string;
  /** SHA-256 (hex) of the browser-binding cookie the code was issued to. */
  bindingHash: string;
  /** The provider's configured name. */
  provider: string;
  /** The identity the IdP vouched for (a VerifiedIdentity), as JSON; never a token. */
  identity: string;
  /** ms since the epoch */
  expiresAt: number;
}

/** Login codes storage: saved by the HTTP callback, taken (once) by oidc_code. */
export interface LoginCodeStore {
  /** Stores a new code and deletes every code that expired before `now` (ms). */
  save(code: LoginCodeRecord, now: number): Promise<void>;
  /** Deletes the code with this hash and returns it; a second take finds nothing. */
  take(codeHash: string): Promise<LoginCodeRecord | undefined>;
}

/** A login_codes row, as SQLite and PostgreSQL both return it. */
export interface LoginCodeRow {
  code_hash: string;
  binding_hash: string;
  provider: string;
  identity: string;
  expires_at: number | string;
}

/** A login_codes row as a LoginCodeRecord. */
export function loginCodeFromRow(row: LoginCodeRow): LoginCodeRecord {
  return {
    codeHash: row.code_hash,
    bindingHash: row.binding_hash,
    provider: row.provider,
    identity: row.identity,
    expiresAt: Number(row.expires_at),
  };
}
