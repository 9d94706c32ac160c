// Login throttling, over WebSocket (the cases are in cases/throttling.case.ts).
import { throttlingCases } from './cases/throttling.case.ts';
import { WS } from './transports.ts';

throttlingCases(WS);
