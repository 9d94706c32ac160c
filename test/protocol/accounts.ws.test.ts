// Registration and account rules, over WebSocket (the cases are in cases/accounts.case.ts).
import { accountCases } from './cases/accounts.case.ts';
import { WS } from './transports.ts';

accountCases(WS);
