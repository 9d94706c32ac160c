// ID login with the device flow against the test IdP, over WS (the cases are in cases/oidc.case.ts).
import { oidcCases } from './cases/oidc.case.ts';
import { WS } from './transports.ts';

oidcCases(WS);
