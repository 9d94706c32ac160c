// Registration and account rules, over TCP (the cases are in cases/accounts.case.ts).
import { accountCases } from './cases/accounts.case.ts';
import { TCP } from './transports.ts';

accountCases(TCP);
