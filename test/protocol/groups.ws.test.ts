// Groups: posting, history, acks, order and caps, over WebSocket (the cases are in cases/groups.case.ts).
import { groupCases } from './cases/groups.case.ts';
import { WS } from './transports.ts';

groupCases(WS);
