// Capacity caps, over TCP (the cases are in cases/caps.case.ts).
import { capsCases } from './cases/caps.case.ts';
import { TCP } from './transports.ts';

capsCases(TCP);
