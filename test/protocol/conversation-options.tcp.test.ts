// Stored conversations under other settings, over TCP (the cases are in cases/conversation-options.case.ts).
import { conversationOptionCases } from './cases/conversation-options.case.ts';
import { TCP } from './transports.ts';

conversationOptionCases(TCP);
