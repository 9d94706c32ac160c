// Login, registration races and registration limits, over TCP (the cases are in cases/login.case.ts).
import { loginCases } from './cases/login.case.ts';
import { TCP } from './transports.ts';

loginCases(TCP);
