// The SDK's ID login actions (docs/protocol.md section 6, ID login): the device flow
// (oidc_start, oidc_wait, oidc_register) before login, and linking identities in a session.
import { GroupActions } from './groups.ts';
import {
  type DeviceFlow,
  type IdentityOutcome,
  isIdentityLinked,
  isNewIdentity,
  type LinkedIdentity,
} from './identity-types.ts';
import type { Account, Registration } from './types.ts';

/** How long oidcWait() waits past the flow's expires_in before it gives up itself. */
const WAIT_MARGIN_MS = 30_000;

/** ID login on top of GroupActions; Client adds the rest of the actions. */
export class IdentityActions extends GroupActions {
  /** seconds the last device flow of this client is valid for (from its start reply) */
  private flowExpiresInS: number | undefined;

  /**
   * Before login: starts a device flow with the configured `provider`. Show the user
   * `verification_uri` and `user_code` (or `verification_uri_complete`), then call
   * oidcWait(). A new start on the connection replaces the previous flow.
   */
  async oidcStart(provider: string): Promise<DeviceFlow> {
    return this.startFlow('oidc_start', provider);
  }

  /**
   * In a session: starts a device flow that ties another identity of `provider` to this
   * account; oidcWait() then resolves with `{linked: provider}`.
   */
  async linkIdentity(provider: string): Promise<DeviceFlow> {
    return this.startFlow('link_identity', provider);
  }

  /**
   * Waits until the user has finished signing in at the provider (minutes, not seconds: no
   * short request timeout). The identity's account: logged in (set_user done) and resolves with
   * the Account. No account yet: resolves with `{link: "new", suggested_username}` (then
   * oidcRegister). After linkIdentity: `{linked: provider}`. Denied, expired or a token that
   * fails the checks: ServerError invalid_credentials; the provider down: provider_unavailable.
   * Aborting `signal` closes the connection (the server cannot be told to stop waiting).
   */
  async oidcWait(
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<IdentityOutcome> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const onAbort = () => this.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    const expiresMs = (this.flowExpiresInS ?? 0) * 1000;
    const timeoutMs = opts.timeoutMs ?? expiresMs + WAIT_MARGIN_MS + this.requestTimeoutMs;
    try {
      const r = await this.call('oidc_wait', [], { timeoutMs, long: true });
      return await this.identityAnswer(r as IdentityOutcome);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * After `{link: "new"}`: creates the account tied to the identity. With a verified email
   * from the provider only `username` is needed and the connection is logged in at once. Without
   * one the server asks for `email`, and with email confirmation on, `confirm` is true and
   * confirm(code) must follow, as after register(). The account has no password.
   */
  async oidcRegister(username: string, email?: string): Promise<Registration> {
    const data = email === undefined ? [username] : [username, email];
    const r = (await this.call('oidc_register', data)) as Registration;
    if (r.confirm) this.confirmUsername = r.username;
    else await this.setUser();
    return { id: r.id, username: r.username, confirm: r.confirm === true };
  }

  /** In a session: the identities tied to this account (only your own). */
  async identities(): Promise<LinkedIdentity[]> {
    const r = (await this.call('identities')) as { identities: LinkedIdentity[] };
    return r.identities;
  }

  /**
   * In a session: unties the identity of `provider` from this account. Refused with
   * `forbidden` when it would leave no way to log in (no password and no other identity).
   */
  async unlinkIdentity(provider: string): Promise<void> {
    await this.call('unlink_identity', [provider]);
  }

  /**
   * An oidc_wait-shaped answer (also oidc_code's): a verified connection gets its set_user,
   * and resolves with the session's Account; the other answers are handed back as they are.
   */
  protected async identityAnswer(r: IdentityOutcome): Promise<IdentityOutcome> {
    if (isNewIdentity(r) || isIdentityLinked(r)) return r;
    return this.setUser() as Promise<Account>;
  }

  private async startFlow(action: string, provider: string): Promise<DeviceFlow> {
    const flow = (await this.call(action, [provider])) as DeviceFlow;
    this.flowExpiresInS = Number.isFinite(flow.expires_in) ? flow.expires_in : undefined;
    return flow;
  }
}
