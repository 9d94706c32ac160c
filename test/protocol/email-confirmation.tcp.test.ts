// Email confirmation, over TCP (the cases are in cases/email-confirmation.case.ts).
import { emailConfirmationCases } from './cases/email-confirmation.case.ts';
import { TCP } from './transports.ts';

emailConfirmationCases(TCP);
