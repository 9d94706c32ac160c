// The transport a Client opens when its options name none. The entry point
// sets it (index.ts: TCP or the ws package; browser.ts: the browser's
// WebSocket), so that core.ts imports no transport at all.
import type { OpenTransport } from './transport-types.ts';

let chosen: OpenTransport | undefined;

/** Sets what `options.transport` defaults to, for every Client made after. */
export function setDefaultTransport(open: OpenTransport): void {
  chosen = open;
}

/** Opens the default transport; fails when no entry point chose one. */
export const openDefaultTransport: OpenTransport = (target) =>
  chosen
    ? chosen(target)
    : Promise.reject(new Error('no transport: import the SDK from index.ts or browser.ts'));
