// The identity section and accounts.registration: defaults, a provider's defaults, the
// checks naming the key to fix, and client secrets from the environment.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const keycloak = {
  name: 'keycloak',
  issuer: 'https://id.example.com/realms/main',
  client_id: 'super-server',
};

function withProviders(providers: unknown[], extra: Record<string, unknown> = {}) {
  return loadConfig({ flags: { 'identity.providers': providers, ...extra } });
}

describe('loadConfig: identity', () => {
  it('has no providers and open registration by default', () => {
    const c = loadConfig();
    expect(c.identity).toEqual({
      providers: [],
      request_timeout_s: 10,
      login_code_ttl_s: 60,
      web_logins_per_ip_per_minute: 30,
    });
    expect(c.accounts.registration).toBe('open');
  });

  it('fills a provider’s defaults', () => {
    const [p] = withProviders([keycloak]).identity.providers;
    expect(p).toEqual({
      ...keycloak,
      scopes: ['openid', 'email', 'profile'],
      level_claims: null,
      allow_insecure_loopback: false,
    });
  });

  it('takes registration policy, levels and a claim mapping', () => {
    const c = withProviders(
      [
        {
          ...keycloak,
          default_level: 'basic',
          level_claims: { claim: 'groups', values: { 'chat-admins': 'admin' } },
        },
      ],
      { 'accounts.registration': 'identity_only' },
    );
    expect(c.accounts.registration).toBe('identity_only');
    expect(c.identity.providers[0]?.level_claims).toEqual({
      claim: 'groups',
      values: { 'chat-admins': 'admin' },
    });
    expect(() => loadConfig({ flags: { 'accounts.registration': 'sometimes' } })).toThrow(
      /accounts\.registration/,
    );
  });

  it('names the key of a bad provider entry', () => {
    expect(() => withProviders([{ ...keycloak, name: 'Key Cloak' }])).toThrow(
      /identity\.providers\.0\.name/,
    );
    expect(() => withProviders([keycloak, keycloak])).toThrow(
      /identity\.providers\.1\.name: duplicate/,
    );
    expect(() => withProviders([{ ...keycloak, scopes: ['email'] }])).toThrow(
      /scopes: must include openid/,
    );
    expect(() => withProviders([{ ...keycloak, default_level: 'root' }])).toThrow(
      /identity\.providers\.0\.default_level: "root" is not in levels\.order/,
    );
    expect(() =>
      withProviders([{ ...keycloak, level_claims: { claim: 'groups', values: { ops: 'god' } } }]),
    ).toThrow(/identity\.providers\.0\.level_claims\.values\.ops/);
    expect(() => withProviders([{ ...keycloak, client_id: '' }])).toThrow(/client_id/);
  });

  it('refuses http issuers except loopback with allow_insecure_loopback', () => {
    expect(() => withProviders([{ ...keycloak, issuer: 'http://id.example.com' }])).toThrow(
      /issuer: must be https/,
    );
    expect(() => withProviders([{ ...keycloak, issuer: 'http://127.0.0.1:9000' }])).toThrow(
      /issuer/,
    );
    expect(() =>
      withProviders([
        { ...keycloak, issuer: 'http://id.example.com', allow_insecure_loopback: true },
      ]),
    ).toThrow(/issuer/);
    const c = withProviders([
      { ...keycloak, issuer: 'http://127.0.0.1:9000', allow_insecure_loopback: true },
    ]);
    expect(c.identity.providers[0]?.issuer).toBe('http://127.0.0.1:9000');
  });

  it('takes a client secret from SUPER_SERVER__IDENTITY__CLIENT_SECRET__<NAME>', () => {
    const c = loadConfig({
      flags: { 'identity.providers': [keycloak] },
      env: { SUPER_SERVER__IDENTITY__CLIENT_SECRET__KEYCLOAK: 's3cret' },
    });
    expect(c.identity.providers[0]?.client_secret).toBe('s3cret');
    expect(() =>
      loadConfig({
        flags: { 'identity.providers': [keycloak] },
        env: { SUPER_SERVER__IDENTITY__CLIENT_SECRET__GOOGLE: 'x' },
      }),
    ).toThrow(/no provider named "google"/);
  });
});
