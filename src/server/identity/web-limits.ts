// How often one address may start or finish a web ID login: each callback costs a token
// request to the identity provider, so a flood from one address must not become one at
// the provider. Trusted networks (limits.exempt_cidrs) are exempt, as for registrations.
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { type AddressSet, plainAddress } from '../security/addresses.ts';
import { type MakeLimiter, memoryLimiters } from '../security/limiter-store.ts';

/** Counts /oidc/<provider>/start and /callback requests per address, per minute. */
export class WebLoginLimit {
  private readonly perIp: RateLimiterAbstract;

  constructor(
    perMinute: number,
    private readonly exempt: AddressSet,
    limiters: MakeLimiter = memoryLimiters,
  ) {
    this.perIp = limiters({ keyPrefix: 'oidc_web_ip', points: perMinute, duration: 60 });
  }

  /** Takes one request's point: undefined when allowed, else the ms until the next is. */
  async take(ip: string): Promise<number | undefined> {
    if (this.exempt.has(ip)) return undefined;
    try {
      await this.perIp.consume(plainAddress(ip), 1);
      return undefined;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      return res.msBeforeNext;
    }
  }
}
