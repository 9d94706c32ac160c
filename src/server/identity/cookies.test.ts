import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { cookie, decodeFlow, encodeFlow, readCookie } from './cookies.ts';

const req = (cookieHeader?: string) =>
  ({ headers: cookieHeader === undefined ? {} : { cookie: cookieHeader } }) as IncomingMessage;

describe('the web ID login cookies', () => {
  it('reads the named cookie, first one wins, and refuses values that need escaping', () => {
    expect(readCookie(req('a=1; ss_oidc_bind=abc_-9; b=2'), 'ss_oidc_bind')).toBe('abc_-9');
    expect(readCookie(req('ss_oidc_bind=x; ss_oidc_bind=y'), 'ss_oidc_bind')).toBe('x');
    expect(readCookie(req('xss_oidc_bind=x'), 'ss_oidc_bind')).toBeUndefined();
    expect(readCookie(req('ss_oidc_bind="x"'), 'ss_oidc_bind')).toBeUndefined();
    expect(readCookie(req('ss_oidc_bind='), 'ss_oidc_bind')).toBeUndefined();
    expect(readCookie(req(), 'ss_oidc_bind')).toBeUndefined();
  });

  it('sets HttpOnly, SameSite=Lax cookies, Secure only for https pages', () => {
    expect(cookie('n', 'v', { path: '/oidc/', maxAgeS: 600, secure: false })).toBe(
      'n=v; Path=/oidc/; Max-Age=600; HttpOnly; SameSite=Lax',
    );
    expect(cookie('n', '', { path: '/', maxAgeS: 0, secure: true })).toBe(
      'n=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    );
  });

  it('round-trips the flow and refuses anything but four non-empty parts', () => {
    const flow = { provider: 'kc', state: 's1', nonce: 'n_1', verifier: 'v-1' };
    expect(decodeFlow(encodeFlow(flow))).toEqual(flow);
    expect(decodeFlow('kc.s1.n1')).toBeUndefined();
    expect(decodeFlow('kc..n1.v1')).toBeUndefined();
    expect(decodeFlow('kc.s.n.v.extra')).toBeUndefined();
    expect(decodeFlow(undefined)).toBeUndefined();
  });
});
