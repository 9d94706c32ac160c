// change_permission_level, custom levels and kick, over TCP (the cases are in cases/admin.case.ts).
import { adminCases } from './cases/admin.case.ts';
import { TCP } from './transports.ts';

adminCases(TCP);
