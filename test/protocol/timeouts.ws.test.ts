// Heartbeat and hello-token (login) timeouts, over WebSocket (the cases are in cases/timeouts.case.ts).
import { timeoutsCases } from './cases/timeouts.case.ts';
import { WS } from './transports.ts';

timeoutsCases(WS);
