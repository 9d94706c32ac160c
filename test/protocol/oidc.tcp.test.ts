// ID login with the device flow against the test IdP, over TCP (the cases are in cases/oidc.case.ts).
import { oidcCases } from './cases/oidc.case.ts';
import { TCP } from './transports.ts';

oidcCases(TCP);
