// kill_server and SIGTERM, over WebSocket (the cases are in cases/shutdown.case.ts).
import { shutdownCases } from './cases/shutdown.case.ts';
import { WS } from './transports.ts';

shutdownCases(WS);
