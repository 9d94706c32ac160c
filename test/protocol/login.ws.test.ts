// Login, registration races and registration limits, over WebSocket (the cases are in cases/login.case.ts).
import { loginCases } from './cases/login.case.ts';
import { WS } from './transports.ts';

loginCases(WS);
