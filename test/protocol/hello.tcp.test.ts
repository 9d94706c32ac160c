// Hello, ping, envelope errors, the error budget and per-connection ordering, over TCP (the cases are in cases/hello.case.ts).
import { helloCases } from './cases/hello.case.ts';
import { TCP } from './transports.ts';

helloCases(TCP);
