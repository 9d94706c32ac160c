// kill_server and SIGTERM, over TCP (the cases are in cases/shutdown.case.ts).
import { shutdownCases } from './cases/shutdown.case.ts';
import { TCP } from './transports.ts';

shutdownCases(TCP);
