// The audit log of actions over the wire, over TCP (the cases are in cases/audit.case.ts).
import { auditCases } from './cases/audit.case.ts';
import { TCP } from './transports.ts';

auditCases(TCP);
