// The client SDK for Node: the whole API, with TCP (NDJSON) and WebSocket
// transports; a target with a `url` opens a WebSocket (the `ws` package), any
// other TCP. Browsers use browser.ts, which holds no Node module.
import { WebSocket } from 'ws';
import { setDefaultTransport } from './default-transport.ts';
import { connectTcp } from './transport.ts';
import { isWebSocketTarget, type OpenTransport } from './transport-types.ts';
import { connectWebSocket, type WebSocketClass } from './ws-transport.ts';

export * from './api.ts';
export {
  connectTcp,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_LINE_BYTES,
  LineSplitter,
  ServerSpeaksTlsError,
  type TcpOptions,
} from './transport.ts';

/** Node's default transport: a WebSocket (the `ws` package) for a `url`, TCP otherwise. */
export const connectNode: OpenTransport = (target) =>
  isWebSocketTarget(target)
    ? connectWebSocket({ WebSocket: WebSocket as unknown as WebSocketClass, ...target })
    : connectTcp(target);

setDefaultTransport(connectNode);
