// Linking identities to accounts, over TCP (the cases are in cases/oidc-linking.case.ts).
import { oidcLinkingCases } from './cases/oidc-linking.case.ts';
import { TCP } from './transports.ts';

oidcLinkingCases(TCP);
