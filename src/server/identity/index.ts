// ID login (issue 16) as the services see it: the provider registry and the device flows.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Levels } from '../levels.ts';
import { DeviceFlows } from './device-flows.ts';
import { ProviderRegistry } from './providers.ts';

/** The identity parts of Services. */
export interface IdentityServices {
  readonly providers: ProviderRegistry;
  readonly deviceFlows: DeviceFlows;
}

/** Builds them from the identity section. */
export function createIdentityServices(
  config: Config,
  levels: Levels,
  log: Logger,
): IdentityServices {
  return {
    providers: new ProviderRegistry(
      config.identity.providers,
      config.identity.request_timeout_s,
      log,
    ),
    deviceFlows: new DeviceFlows(levels, log),
  };
}
