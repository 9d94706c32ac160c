// The web ID login's one-time login codes: the callback issues one to the browser that
// finished the flow; oidc_code redeems it once, within 60 s, from that same browser.
import type { LoginCodeStore } from '../../storage/login-codes.ts';
import type { Clock, Random } from '../clock.ts';
import { hashToken, sameToken } from '../security/tokens.ts';

/** How long a login code can be redeemed. */
export const LOGIN_CODE_TTL_MS = 60_000;

/** The checked ID token claims a login needs (issuer, subject and whatever else the IdP sent). */
export type IdClaims = Record<string, unknown> & { iss: string; sub: string };

/** What a redeemed code gives back. */
export interface RedeemedLogin {
  provider: string;
  claims: IdClaims;
}

/** Claims of the flow that have no use after it (and the nonce is best not kept). */
const DROPPED_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'];

/** Issues and redeems login codes; only their hashes and the binding's are stored. */
export class LoginCodes {
  constructor(
    private readonly store: LoginCodeStore,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** A fresh random value for the browser-binding cookie. */
  newBinding(): string {
    return this.random.bytes(32).toString('base64url');
  }

  /** Stores a code for `provider`'s checked `claims`, bound to `binding`; returns the code. */
  async issue(binding: string, provider: string, claims: IdClaims): Promise<string> {
    const code = this.random.bytes(32).toString('base64url');
    const kept: Record<string, unknown> = { ...claims };
    for (const name of DROPPED_CLAIMS) delete kept[name];
    const now = this.clock.now();
    await this.store.save(
      {
        codeHash: hashToken(code),
        bindingHash: hashToken(binding),
        provider,
        claims: JSON.stringify(kept),
        expiresAt: now + LOGIN_CODE_TTL_MS,
      },
      now,
    );
    return code;
  }

  /**
   * Takes the code (it is gone afterwards, whatever follows) and gives its login back when
   * it has not expired and `bindingHash` (the hash of the browser-binding cookie the
   * connection's upgrade carried) is the one it was issued to; else undefined.
   */
  async redeem(code: string, bindingHash: string | undefined): Promise<RedeemedLogin | undefined> {
    const record = await this.store.take(hashToken(code));
    if (record === undefined || bindingHash === undefined) return undefined;
    if (record.expiresAt <= this.clock.now()) return undefined;
    if (!sameToken(bindingHash, record.bindingHash)) return undefined;
    return { provider: record.provider, claims: JSON.parse(record.claims) as IdClaims };
  }
}
