// who and message_user: listing, delivery, text rules, slow consumers, over TCP (the cases are in cases/messaging.case.ts).
import { messagingCases } from './cases/messaging.case.ts';
import { TCP } from './transports.ts';

messagingCases(TCP);
