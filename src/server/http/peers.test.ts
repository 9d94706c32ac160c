import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientAddresses, originAllowed, ownOrigins, pageOrigin } from './peers.ts';

const request = (headers: Record<string, string>, peer = '127.0.0.1') =>
  ({ headers, socket: { remoteAddress: peer } }) as unknown as IncomingMessage;

describe('the Origin check', () => {
  it('allows a loopback listener its own origin under each loopback name, nothing else', () => {
    const own = ownOrigins({ allowed: [], host: '127.0.0.1', port: 8080, secure: false });
    expect(own).toEqual(
      new Set(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']),
    );
    expect(originAllowed(request({}), own, false)).toBe(true);
    expect(originAllowed(request({ origin: 'http://localhost:8080' }), own, false)).toBe(true);
    expect(originAllowed(request({ origin: 'https://localhost:8080' }), own, false)).toBe(false);
    expect(originAllowed(request({ origin: 'http://evil.example' }), own, false)).toBe(false);
  });

  it('uses the configured list alone when there is one; https drops the default port', () => {
    const own = ownOrigins({
      allowed: ['https://chat.example'],
      host: '10.0.0.1',
      port: 443,
      secure: true,
    });
    expect(own).toEqual(new Set(['https://chat.example']));
    const mine = ownOrigins({ allowed: [], host: 'chat.example', port: 443, secure: true });
    expect(mine).toEqual(new Set(['https://chat.example']));
  });

  it('on every interface, compares with the Host the request was sent to', () => {
    const own = ownOrigins({ allowed: [], host: '0.0.0.0', port: 8080, secure: false });
    expect(own).toBe('host-header');
    const ok = request({ origin: 'http://chat.lan:8080', host: 'chat.lan:8080' });
    expect(originAllowed(ok, own, false)).toBe(true);
    const other = request({ origin: 'http://evil.example', host: 'chat.lan:8080' });
    expect(originAllowed(other, own, false)).toBe(false);
  });
});

describe('ClientAddresses', () => {
  it('ignores X-Forwarded-For from an untrusted peer', () => {
    const addresses = new ClientAddresses([]);
    expect(addresses.of(request({ 'x-forwarded-for': '203.0.113.9' }, '::ffff:127.0.0.1'))).toBe(
      '127.0.0.1',
    );
  });

  it('takes the first valid address from a trusted proxy, else the peer', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8']);
    const via = (xff: string) => addresses.of(request({ 'x-forwarded-for': xff }, '10.1.2.3'));
    expect(via('203.0.113.9, 10.0.0.1')).toBe('203.0.113.9');
    expect(via('2001:db8::1')).toBe('2001:db8::1');
    expect(via('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(via('bogus, 203.0.113.9')).toBe('10.1.2.3');
    expect(addresses.of(request({}, '10.1.2.3'))).toBe('10.1.2.3');
  });
});

describe('the page origin of a redirect URI', () => {
  it('is the Host when it is an own origin, the public URL when one is set, else none', () => {
    const own = ownOrigins({ allowed: [], host: '127.0.0.1', port: 8080, secure: false });
    const host = (h: string) => request({ host: h });
    expect(pageOrigin(host('localhost:8080'), own, false, undefined)).toBe('http://localhost:8080');
    expect(pageOrigin(host('evil.example'), own, false, undefined)).toBeUndefined();
    expect(pageOrigin(request({}), own, false, undefined)).toBeUndefined();
    expect(pageOrigin(host('a b'), own, false, undefined)).toBeUndefined();
    const pub = 'https://chat.example.com';
    expect(pageOrigin(host('evil.example'), own, false, pub)).toBe(pub);
    expect(pageOrigin(host('any:1'), 'host-header', true, undefined)).toBe('https://any:1');
  });
});
