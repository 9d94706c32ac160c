// Login throttling, over TCP (the cases are in cases/throttling.case.ts).
import { throttlingCases } from './cases/throttling.case.ts';
import { TCP } from './transports.ts';

throttlingCases(TCP);
