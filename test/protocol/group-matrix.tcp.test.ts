// The group-permission matrix, over TCP (the cases are in cases/group-matrix.case.ts).
import { groupMatrixCases } from './cases/group-matrix.case.ts';
import { TCP } from './transports.ts';

groupMatrixCases(TCP);
