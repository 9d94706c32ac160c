// The web ID login's one-time login codes: the callback issues one to the browser that
// finished the flow; oidc_code redeems it once, within its lifetime, from that same browser.
import type { LoginCodeStore } from '../../storage/login-codes.ts';
import type { Clock, Random } from '../clock.ts';
import { hashToken, sameToken } from '../security/tokens.ts';
import type { VerifiedIdentity } from './claims.ts';

/** Issues and redeems login codes; only their hashes and the binding's are stored. */
export class LoginCodes {
  constructor(
    private readonly store: LoginCodeStore,
    private readonly clock: Clock,
    private readonly random: Random,
    /** How long a code can be redeemed (identity.login_code_ttl_s, 60 s by default). */
    private readonly ttlMs: number,
  ) {}

  /** A fresh random value for the browser-binding cookie. */
  newBinding(): string {
    return this.random.bytes(32).toString('base64url');
  }

  /** Stores a code for the identity the IdP vouched for, bound to `binding`; returns the code. */
  async issue(binding: string, identity: VerifiedIdentity): Promise<string> {
    const code = this.random.bytes(32).toString('base64url');
    const now = this.clock.now();
    await this.store.save(
      {
        codeHash: hashToken(code),
        bindingHash: hashToken(binding),
        provider: identity.provider,
        identity: JSON.stringify(identity),
        expiresAt: now + this.ttlMs,
      },
      now,
    );
    return code;
  }

  /**
   * Takes the code (it is gone afterwards, whatever follows) and gives its identity back when
   * it has not expired and `bindingHash` (the hash of the browser-binding cookie the
   * connection's upgrade carried) is the one it was issued to; else undefined.
   */
  async redeem(
    code: string,
    bindingHash: string | undefined,
  ): Promise<VerifiedIdentity | undefined> {
    const record = await this.store.take(hashToken(code));
    if (record === undefined || bindingHash === undefined) return undefined;
    if (record.expiresAt <= this.clock.now()) return undefined;
    if (!sameToken(bindingHash, record.bindingHash)) return undefined;
    return JSON.parse(record.identity) as VerifiedIdentity;
  }
}
