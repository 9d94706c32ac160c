// Email confirmation, over WebSocket (the cases are in cases/email-confirmation.case.ts).
import { emailConfirmationCases } from './cases/email-confirmation.case.ts';
import { WS } from './transports.ts';

emailConfirmationCases(WS);
