// The test IdP itself: discovery answers, a device flow completes through the form-filling
// helper and yields a checked ID token, denial is reported, and each tamper mode makes
// openid-client's own checks reject the next ID token.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserLogin,
  completeDeviceFlow,
  IDP_CLIENTS,
  type IdpService,
  startIdp,
  type TamperMode,
} from './idp.ts';

let idp: IdpService;
let config: oidc.Configuration;

beforeAll(async () => {
  idp = await startIdp();
  config = await oidc.discovery(
    new URL(idp.issuer),
    IDP_CLIENTS.confidential.id,
    IDP_CLIENTS.confidential.secret,
    undefined,
    { execute: [oidc.allowInsecureRequests] },
  );
  // Without this openid-client trusts the token endpoint's TLS and skips the ID token's
  // signature (OIDC Core 3.1.3.7 allows it); the server turns it on, and so does this test.
  oidc.enableNonRepudiationChecks(config);
});
afterAll(async () => {
  await idp?.stop();
});

/** Starts a device flow, lets `login` finish it in the "browser", and polls for the tokens. */
async function deviceLogin(login: string, deny = false) {
  const start = await oidc.initiateDeviceAuthorization(config, {
    scope: 'openid email profile groups',
  });
  const browser = completeDeviceFlow(start.verification_uri_complete ?? '', { login, deny });
  const tokens = oidc.pollDeviceAuthorizationGrant(config, start);
  await browser;
  return tokens;
}

describe('test IdP', () => {
  it('serves discovery with the device and token endpoints', () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(idp.issuer);
    expect(meta.device_authorization_endpoint).toBe(`${idp.issuer}/device/auth`);
    expect(meta.token_endpoint).toBe(`${idp.issuer}/token`);
    expect(meta.jwks_uri).toBeTruthy();
  });

  it('completes a device flow by filling its forms; the ID token carries the user claims', async () => {
    const tokens = await deviceLogin('alice');
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: idp.issuer,
      sub: 'alice',
      aud: IDP_CLIENTS.confidential.id,
      email: 'alice@example.test',
      email_verified: true,
      preferred_username: 'alice',
    });
    const admin = (await deviceLogin('dave')).claims();
    expect(admin?.groups).toEqual(['chat-admins']);
    const noMail = (await deviceLogin('carol')).claims();
    expect(noMail?.email).toBeUndefined();
  });

  it('reports a denied device flow as access_denied', async () => {
    await expect(deviceLogin('bob', true)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it.each<TamperMode>(['forged', 'expired', 'wrong_aud', 'wrong_iss'])(
    'tamper %s: the next ID token fails openid-client checks, the one after passes',
    async (mode) => {
      await idp.tamper(mode);
      await expect(deviceLogin('alice')).rejects.toThrow();
      expect((await idp.stats()).tamper_pending).toBe(false);
      expect((await deviceLogin('alice')).claims()?.sub).toBe('alice');
    },
  );

  it('hands out a used device code again on request, which the token endpoint refuses', async () => {
    await deviceLogin('alice');
    await idp.replayDeviceCode();
    const start = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    await expect(oidc.pollDeviceAuthorizationGrant(config, start)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('answers injected token errors (here access_denied on the first poll)', async () => {
    const before = (await idp.stats()).token_requests;
    await idp.failTokenRequests(['access_denied']);
    const start = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    await expect(oidc.pollDeviceAuthorizationGrant(config, start)).rejects.toMatchObject({
      error: 'access_denied',
    });
    expect((await idp.stats()).token_requests).toBe(before + 1);
  });

  it('walks a code flow with PKCE and nonce through login and consent to the callback', async () => {
    const rp = createServer((req, res) => res.end(`callback got ${req.url}`));
    await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
    try {
      const redirect = `http://127.0.0.1:${(rp.address() as AddressInfo).port}/oidc/testidp/callback`;
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirect,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        nonce,
        state,
      });
      const done = await browserLogin(url.href, idp.issuer, { login: 'bob' });
      expect(done.url.startsWith(`${redirect}?`)).toBe(true);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(done.url), {
        pkceCodeVerifier: verifier,
        expectedNonce: nonce,
        expectedState: state,
      });
      expect(tokens.claims()).toMatchObject({ sub: 'bob', nonce, email: 'bob@example.test' });
    } finally {
      rp.close();
    }
  });

  it('stops and restarts on the same port and issuer', async () => {
    const issuer = idp.issuer;
    await idp.stop();
    await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();
    await idp.restart();
    expect(idp.issuer).toBe(issuer);
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
  });
});
