// Stored direct messages, over WebSocket (the cases are in cases/conversations.case.ts).
import { conversationCases } from './cases/conversations.case.ts';
import { WS } from './transports.ts';

conversationCases(WS);
