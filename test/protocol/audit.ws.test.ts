// The audit log of actions over the wire, over WebSocket (the cases are in cases/audit.case.ts).
import { auditCases } from './cases/audit.case.ts';
import { WS } from './transports.ts';

auditCases(WS);
