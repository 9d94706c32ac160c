// Capacity caps, over WebSocket (the cases are in cases/caps.case.ts).
import { capsCases } from './cases/caps.case.ts';
import { WS } from './transports.ts';

capsCases(WS);
