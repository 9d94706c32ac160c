// Stored direct messages, over TCP (the cases are in cases/conversations.case.ts).
import { conversationCases } from './cases/conversations.case.ts';
import { TCP } from './transports.ts';

conversationCases(TCP);
