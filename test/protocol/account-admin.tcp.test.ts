// delete_account, ban, user_info and sessions per user, over TCP (the cases are in cases/account-admin.case.ts).
import { accountAdminCases } from './cases/account-admin.case.ts';
import { TCP } from './transports.ts';

accountAdminCases(TCP);
