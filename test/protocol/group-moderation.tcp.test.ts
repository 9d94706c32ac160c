// Group moderation and #global, over TCP (the cases are in cases/group-moderation.case.ts).
import { groupModerationCases } from './cases/group-moderation.case.ts';
import { TCP } from './transports.ts';

groupModerationCases(TCP);
