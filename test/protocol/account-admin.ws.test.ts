// delete_account, ban, user_info and sessions per user, over WebSocket (the cases are in cases/account-admin.case.ts).
import { accountAdminCases } from './cases/account-admin.case.ts';
import { WS } from './transports.ts';

accountAdminCases(WS);
