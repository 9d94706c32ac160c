// The test identity provider: panva's oidc-provider in its own process on 127.0.0.1, with
// device flow, code flow + PKCE, rule-based test users and a loopback control endpoint
// (/__test/…) that tampers with the NEXT token response. Started by test/services/idp.ts as
// `node --import tsx test/services/idp-server.ts [--port N] [--device-ttl S] [--interval S]`;
// prints one JSON line {"issuer", "port"} on stdout when it listens. Test only.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { IDP_CLIENTS, testUserClaims } from './idp-users.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
// A new key id each start: a restarted IdP looks like one that rotated its signing key.
const KID = `test-key-${randomUUID().slice(0, 8)}`;

/** How the next ID token is spoiled. */
type TamperMode = 'forged' | 'expired' | 'wrong_aud' | 'wrong_nonce' | 'wrong_iss';
const TAMPER_MODES = new Set<string>([
  'forged',
  'expired',
  'wrong_aud',
  'wrong_nonce',
  'wrong_iss',
]);

interface ControlState {
  tamper: TamperMode | undefined;
  tokenErrors: string[];
  replayDeviceCode: boolean;
  lastDeviceCode: string | undefined;
  tokenRequests: number;
  deviceAuthorizations: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const forger = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const state: ControlState = {
    tamper: undefined,
    tokenErrors: [],
    replayDeviceCode: false,
    lastDeviceCode: undefined,
    tokenRequests: 0,
    deviceAuthorizations: 0,
  };
  const interval = arg('interval', 1);
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(arg('port', 0), '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: IDP_CLIENTS.confidential.id,
        client_secret: IDP_CLIENTS.confidential.secret,
        grant_types: ['authorization_code', DEVICE_GRANT],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/oidc/test/callback'],
      },
      {
        client_id: IDP_CLIENTS.public.id,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', DEVICE_GRANT],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/oidc/test/callback'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-idp-cookie-key'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['preferred_username', 'name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // ID tokens carry the scopes' claims, as Keycloak's and Google's do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { DeviceCode: arg('device-ttl', 600) },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
    },
    async findAccount(_ctx, id) {
      return { accountId: id, claims: () => testUserClaims(id) as { sub: string } };
    },
  });
  // Any loopback http redirect URI ending in /callback: the server's port is known only later.
  provider.Client.prototype.redirectUriAllowed = (value: string) => {
    try {
      const url = new URL(value);
      return (
        url.protocol === 'http:' &&
        url.hostname === '127.0.0.1' &&
        url.pathname.endsWith('/callback')
      );
    } catch {
      return false;
    }
  };
  provider.use(async (ctx, next) => {
    if (ctx.path === '/token') {
      state.tokenRequests++;
      const error = state.tokenErrors.shift();
      if (error) {
        ctx.status = 400;
        ctx.body = { error, error_description: `test IdP: ${error}` };
        return;
      }
    }
    await next();
    if (ctx.path === '/device/auth' && ctx.status === 200) await onDeviceAuthorization(ctx);
    if (ctx.path === '/token' && ctx.status === 200) await onTokenResponse(ctx);
  });

  async function onDeviceAuthorization(ctx: { body: unknown }): Promise<void> {
    state.deviceAuthorizations++;
    const body = ctx.body as Record<string, unknown>;
    body.interval = interval;
    if (state.replayDeviceCode && state.lastDeviceCode) {
      state.replayDeviceCode = false;
      body.device_code = state.lastDeviceCode;
    }
    state.lastDeviceCode = body.device_code as string;
  }

  async function onTokenResponse(ctx: { body: unknown }): Promise<void> {
    const body = ctx.body as Record<string, unknown>;
    const mode = state.tamper;
    if (!mode || typeof body.id_token !== 'string') return;
    state.tamper = undefined;
    const claims = { ...decodeJwt(body.id_token) };
    const now = Math.floor(Date.now() / 1000);
    if (mode === 'expired') Object.assign(claims, { iat: now - 7_200, exp: now - 3_600 });
    if (mode === 'wrong_aud')
      Object.assign(claims, { aud: 'some-other-app', azp: 'some-other-app' });
    if (mode === 'wrong_nonce') claims.nonce = 'not-the-nonce-you-sent';
    if (mode === 'wrong_iss') claims.iss = 'http://127.0.0.1:1';
    const key = mode === 'forged' ? forger.privateKey : privateKey;
    body.id_token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: KID })
      .sign(key);
  }

  const app = provider.callback();
  http.on('request', (req, res) => {
    if (req.url?.startsWith('/__test/')) control(req, res, state);
    else app(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
}

function control(req: IncomingMessage, res: ServerResponse, state: ControlState): void {
  let raw = '';
  req.on('data', (d: Buffer) => {
    raw += d.toString('utf8');
  });
  req.on('end', () => {
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    switch (req.url) {
      case '/__test/tamper':
        if (typeof body.mode !== 'string' || !TAMPER_MODES.has(body.mode))
          return reply(400, { error: 'mode' });
        state.tamper = body.mode as TamperMode;
        return reply(200, {});
      case '/__test/token-errors':
        state.tokenErrors.push(...((body.errors as string[]) ?? []));
        return reply(200, {});
      case '/__test/replay-device-code':
        state.replayDeviceCode = true;
        return reply(200, {});
      case '/__test/stats':
        return reply(200, {
          token_requests: state.tokenRequests,
          device_authorizations: state.deviceAuthorizations,
          tamper_pending: state.tamper !== undefined,
        });
      default:
        return reply(404, { error: 'unknown control' });
    }
  });
}

main().catch((err) => {
  process.stderr.write(`test IdP failed: ${String(err)}\n`);
  process.exit(1);
});
