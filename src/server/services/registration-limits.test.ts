import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { AddressSet, parseCidr, plainAddress } from '../security/addresses.ts';
import { RegistrationLimits } from './registration-limits.ts';

function limits(over: Record<string, unknown>) {
  const flags = Object.fromEntries(Object.entries(over).map(([k, v]) => [`limits.${k}`, v]));
  const config = loadConfig({ flags }).limits;
  return new RegistrationLimits(config, new AddressSet(config.exempt_cidrs));
}

describe('RegistrationLimits', () => {
  it('allows registrations_per_ip per address, then rate_limited with retry_after_ms', async () => {
    const l = limits({ exempt_cidrs: [], registrations_per_ip: 2 });
    await l.reserve('10.0.0.1');
    await l.reserve('::ffff:10.0.0.1'); // the same address, IPv4-mapped
    const refused = await l.reserve('10.0.0.1').catch((e) => e);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    await expect(l.reserve('10.0.0.2')).resolves.toBeTypeOf('function');
  });

  it('gives a released reservation back, and a refusal costs nothing', async () => {
    const l = limits({ exempt_cidrs: [], registrations_per_ip: 1 });
    const release = await l.reserve('10.0.0.1');
    await expect(l.reserve('10.0.0.1')).rejects.toMatchObject({ code: 'rate_limited' });
    await release();
    await expect(l.reserve('10.0.0.1')).resolves.toBeTypeOf('function');
  });

  it('caps registrations from all addresses together', async () => {
    const l = limits({ exempt_cidrs: [], registrations_global: 2 });
    await l.reserve('10.0.0.1');
    await l.reserve('10.0.0.2');
    await expect(l.reserve('10.0.0.3')).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('exempts loopback by default', async () => {
    const l = limits({ registrations_per_ip: 1, registrations_global: 1 });
    for (let i = 0; i < 5; i++) await l.reserve('127.0.0.1');
  });
});

describe('addresses', () => {
  it('matches addresses against the default exempt networks', () => {
    const exempt = new AddressSet(loadConfig().limits.exempt_cidrs);
    expect(exempt.has('127.0.0.1')).toBe(true);
    expect(exempt.has('::1')).toBe(true);
    expect(exempt.has('::ffff:127.0.0.5')).toBe(true);
    expect(exempt.has('10.0.0.1')).toBe(false);
    expect(exempt.has('not an address')).toBe(false);
  });

  it('parses CIDRs and refuses malformed ones', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, type: 'ipv4' });
    expect(parseCidr('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, type: 'ipv6' });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'x/8', '10.0.0.0/8/1', '::/129']) {
      expect(parseCidr(bad)).toBeUndefined();
    }
    expect(plainAddress('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(plainAddress('::1')).toBe('::1');
  });

  it('refuses a malformed exempt_cidrs entry in config, naming the key', () => {
    expect(() => loadConfig({ flags: { 'limits.exempt_cidrs': ['10.0.0.0'] } })).toThrow(
      /limits\.exempt_cidrs/,
    );
  });
});
