// Hello, ping, envelope errors, the error budget and per-connection ordering, over WebSocket (the cases are in cases/hello.case.ts).
import { helloCases } from './cases/hello.case.ts';
import { WS } from './transports.ts';

helloCases(WS);
