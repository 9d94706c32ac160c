import { describe, expect, it } from 'vitest';
import { AddressSet } from '../security/addresses.ts';
import { WebLoginLimit } from './web-limits.ts';

describe('WebLoginLimit', () => {
  it('lets an address make its allowance a minute, then says how long to wait', async () => {
    const limit = new WebLoginLimit(3, new AddressSet([]));
    for (let i = 0; i < 3; i++) expect(await limit.take('203.0.113.7')).toBeUndefined();
    const wait = await limit.take('203.0.113.7');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    // Another address, and the same one written as IPv4-mapped, are counted as they are.
    expect(await limit.take('203.0.113.8')).toBeUndefined();
    expect(await limit.take('::ffff:203.0.113.7')).toBeGreaterThan(0);
  });

  it('never limits an exempt network', async () => {
    const limit = new WebLoginLimit(1, new AddressSet(['127.0.0.0/8']));
    for (let i = 0; i < 5; i++) expect(await limit.take('127.0.0.1')).toBeUndefined();
  });
});
