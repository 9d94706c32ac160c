// Groups: posting, history, acks, order and caps, over TCP (the cases are in cases/groups.case.ts).
import { groupCases } from './cases/groups.case.ts';
import { TCP } from './transports.ts';

groupCases(TCP);
