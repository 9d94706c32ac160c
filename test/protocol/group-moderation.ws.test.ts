// Group moderation and #global, over WebSocket (the cases are in cases/group-moderation.case.ts).
import { groupModerationCases } from './cases/group-moderation.case.ts';
import { WS } from './transports.ts';

groupModerationCases(WS);
