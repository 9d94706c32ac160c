// Heartbeat and hello-token (login) timeouts, over TCP (the cases are in cases/timeouts.case.ts).
import { timeoutsCases } from './cases/timeouts.case.ts';
import { TCP } from './transports.ts';

timeoutsCases(TCP);
