// Request rate limits, over TCP (the cases are in cases/rate-limits.case.ts).
import { rateLimitCases } from './cases/rate-limits.case.ts';
import { TCP } from './transports.ts';

rateLimitCases(TCP);
