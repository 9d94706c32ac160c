// Session lifecycle: set_user rules, token binding, get_id/get_permission_level, logout, over TCP (the cases are in cases/sessions.case.ts).
import { sessionsCases } from './cases/sessions.case.ts';
import { TCP } from './transports.ts';

sessionsCases(TCP);
