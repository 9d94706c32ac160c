// who and message_user: listing, delivery, text rules, slow consumers, over WebSocket (the cases are in cases/messaging.case.ts).
import { messagingCases } from './cases/messaging.case.ts';
import { WS } from './transports.ts';

messagingCases(WS);
