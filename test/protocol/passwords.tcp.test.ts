// change_password and reset_password, over TCP (the cases are in cases/passwords.case.ts).
import { passwordCases } from './cases/passwords.case.ts';
import { TCP } from './transports.ts';

passwordCases(TCP);
