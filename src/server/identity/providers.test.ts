// The provider registry against the real test IdP: discovery is lazy (a server may start
// while its IdP is down), a failure is not cached, and lookups by name.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { useIdp } from '../../../test/services/idp.ts';
import { ActionError } from '../../protocol/errors.ts';
import { loadConfig } from '../config.ts';
import { ProviderRegistry } from './providers.ts';

const idp = useIdp();

function registry(): ProviderRegistry {
  const config = loadConfig({
    flags: { 'identity.providers': [idp().providerConfig('testidp', { label: 'Test' })] },
  });
  return new ProviderRegistry(config.identity.providers, 2, pino({ level: 'silent' }));
}

describe('ProviderRegistry', () => {
  it('lists names and labels, and answers not_found for an unknown name', () => {
    const r = registry();
    expect(r.list()).toEqual([{ name: 'testidp', label: 'Test' }]);
    expect(() => r.get('other')).toThrow(
      new ActionError('not_found', 'no identity provider "other"'),
    );
  });

  it('discovers lazily, answers provider_unavailable while the IdP is down, and retries later', async () => {
    await idp().stop();
    const r = registry();
    const provider = r.get('testidp');
    await expect(provider.configuration()).rejects.toMatchObject({ code: 'provider_unavailable' });
    await expect(provider.configuration()).rejects.toMatchObject({ code: 'provider_unavailable' });
    await idp().restart();
    const config = await provider.configuration();
    expect(config.serverMetadata().issuer).toBe(idp().issuer);
    // Discovered once: the same configuration until forgotten.
    expect(await provider.configuration()).toBe(config);
    provider.forget();
    expect(await provider.configuration()).not.toBe(config);
  });
});
