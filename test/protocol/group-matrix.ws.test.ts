// The group-permission matrix, over WebSocket (the cases are in cases/group-matrix.case.ts).
import { groupMatrixCases } from './cases/group-matrix.case.ts';
import { WS } from './transports.ts';

groupMatrixCases(WS);
