// Request rate limits, over WebSocket (the cases are in cases/rate-limits.case.ts).
import { rateLimitCases } from './cases/rate-limits.case.ts';
import { WS } from './transports.ts';

rateLimitCases(WS);
