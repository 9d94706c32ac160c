// change_permission_level, custom levels and kick, over WebSocket (the cases are in cases/admin.case.ts).
import { adminCases } from './cases/admin.case.ts';
import { WS } from './transports.ts';

adminCases(WS);
