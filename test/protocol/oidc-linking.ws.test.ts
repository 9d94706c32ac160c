// Linking identities to accounts, over WS (the cases are in cases/oidc-linking.case.ts).
import { oidcLinkingCases } from './cases/oidc-linking.case.ts';
import { WS } from './transports.ts';

oidcLinkingCases(WS);
