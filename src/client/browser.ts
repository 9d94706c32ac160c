// The client SDK for browsers (the web client): the whole API over the
// browser's WebSocket. It imports no Node module and no TCP transport.
import { setDefaultTransport } from './default-transport.ts';
import { isWebSocketTarget } from './transport-types.ts';
import { connectWebSocket } from './ws-transport.ts';

export * from './api.ts';

setDefaultTransport((target) =>
  isWebSocketTarget(target)
    ? connectWebSocket(target)
    : Promise.reject(new Error('a browser connects with a WebSocket url, not host and port')),
);
