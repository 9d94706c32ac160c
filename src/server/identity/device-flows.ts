// The device flow (RFC 8628) run by the server for a connection: oidc_start / link_identity
// start it, openid-client polls the IdP in the background honouring `interval` and
// `slow_down`, and oidc_wait takes the result once. One flow per connection; a new start
// replaces (aborts) the old one, and closing the connection aborts it.
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { ActionError } from '../../protocol/errors.ts';
import type { Connection } from '../connection.ts';
import type { Levels } from '../levels.ts';
import { type VerifiedIdentity, verifiedIdentity } from './claims.ts';
import { describeError, type IdentityProvider } from './providers.ts';

/** What the flow is for: logging in (hello phase) or linking to the session's account. */
export type FlowPurpose = { kind: 'login' } | { kind: 'link'; userId: number };

/** A device flow in progress on a connection. */
export interface DeviceFlow {
  provider: IdentityProvider;
  purpose: FlowPurpose;
  abort: AbortController;
  /** Settles when the user finished (or the flow failed); never rejects. */
  result: Promise<{ ok: VerifiedIdentity } | { err: ActionError }>;
}

/** What oidc_start and link_identity answer. */
export interface DeviceStartReply {
  verification_uri: string;
  verification_uri_complete: string;
  user_code: string;
  expires_in: number;
  interval: number;
}

/** Starts, awaits and cancels the device flows of connections. */
export class DeviceFlows {
  constructor(
    private readonly levels: Levels,
    private readonly log: Logger,
  ) {}

  /** Asks the IdP for a device code and starts polling; the hello token lives until it expires. */
  async start(
    conn: Connection,
    provider: IdentityProvider,
    purpose: FlowPurpose,
  ): Promise<DeviceStartReply> {
    this.cancel(conn);
    const config = await provider.configuration();
    let auth: oidc.DeviceAuthorizationResponse;
    try {
      auth = await oidc.initiateDeviceAuthorization(config, { scope: provider.scope });
    } catch (err) {
      this.log.warn(
        { provider: provider.name, err: describeError(err) },
        'device authorization failed',
      );
      throw provider.failed(err);
    }
    const abort = new AbortController();
    const expiresMs = auth.expires_in * 1000;
    const expiry = AbortSignal.timeout(expiresMs);
    const signal = AbortSignal.any([abort.signal, expiry]);
    const result = oidc
      .pollDeviceAuthorizationGrant(config, auth, undefined, { signal })
      .then((tokens) => {
        const claims = tokens.claims();
        if (!claims)
          throw new ActionError(
            'invalid_credentials',
            `${provider.name}: no ID token in the answer`,
          );
        return { ok: verifiedIdentity(provider.settings, claims, this.levels) };
      })
      .catch((err: unknown) => {
        if (expiry.aborted)
          return {
            err: new ActionError('invalid_credentials', `${provider.name}: the sign-in expired`),
          };
        if (abort.signal.aborted)
          return { err: new ActionError('not_found', 'the ID login was replaced or cancelled') };
        this.log.info(
          { provider: provider.name, conn: conn.id, err: describeError(err) },
          'device flow failed',
        );
        return { err: provider.failed(err) };
      });
    conn.deviceFlow = { provider, purpose, abort, result };
    if (purpose.kind === 'login') conn.extendHello(expiresMs);
    return {
      verification_uri: auth.verification_uri,
      verification_uri_complete: auth.verification_uri_complete ?? auth.verification_uri,
      user_code: auth.user_code,
      expires_in: auth.expires_in,
      interval: auth.interval ?? 5,
    };
  }

  /**
   * Waits for the connection's flow of this kind and takes it (a second oidc_wait finds
   * none): the identity, or the flow's error. not_found when no such flow runs.
   */
  async wait(
    conn: Connection,
    kind: FlowPurpose['kind'],
  ): Promise<{ identity: VerifiedIdentity; flow: DeviceFlow }> {
    const flow = conn.deviceFlow;
    if (!flow || flow.purpose.kind !== kind) {
      throw new ActionError(
        'not_found',
        'no ID login in progress on this connection (oidc_start first)',
      );
    }
    conn.deviceFlow = undefined;
    conn.waitingFlow = flow;
    let settled: Awaited<DeviceFlow['result']>;
    try {
      settled = await flow.result;
    } finally {
      if (conn.waitingFlow === flow) conn.waitingFlow = undefined;
      // The wait held back the client's pings: its heartbeat starts afresh.
      conn.touch();
    }
    if ('err' in settled) throw settled.err;
    return { identity: settled.ok, flow };
  }

  /** Stops the connection's flow, if any, awaited or not (a new start, or the connection closed). */
  cancel(conn: Connection): void {
    conn.deviceFlow?.abort.abort();
    conn.deviceFlow = undefined;
    conn.waitingFlow?.abort.abort();
    conn.waitingFlow = undefined;
  }
}
