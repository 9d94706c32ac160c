// Stored conversations under other settings, over WebSocket (the cases are in cases/conversation-options.case.ts).
import { conversationOptionCases } from './cases/conversation-options.case.ts';
import { WS } from './transports.ts';

conversationOptionCases(WS);
