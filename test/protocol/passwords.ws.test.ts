// change_password and reset_password, over WebSocket (the cases are in cases/passwords.case.ts).
import { passwordCases } from './cases/passwords.case.ts';
import { WS } from './transports.ts';

passwordCases(WS);
