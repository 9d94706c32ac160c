// The client SDK's public API common to every entry point: no transport is chosen
// here and nothing imports a Node module, so a browser bundle can take all of it.
export { Client } from './client.ts';
export { type ClientClock, ManualClock, systemClock, type TimerHandle } from './clock.ts';
export { type CallOptions, ClientCore } from './core.ts';
export { setDefaultTransport } from './default-transport.ts';
export {
  ConnectionClosedError,
  FrameTooLargeError,
  RequestTimeoutError,
  ServerError,
} from './errors.ts';
// Every group type, as group-types.ts declares it (types only, so nothing is bundled).
export type * from './group-types.ts';
export { GroupActions, type PageOptions } from './groups.ts';
export { DEFAULT_HELLO_PROBE_MS } from './hello-probe.ts';
export { IdentityActions } from './identities.ts';
// Every ID login type, and the two guards that tell oidcWait()'s answers apart.
export type * from './identity-types.ts';
export { isIdentityLinked, isNewIdentity } from './identity-types.ts';
export {
  type ClientRequest,
  genMessage,
  parseServerFrame,
  type ServerEvent,
  type ServerFrame,
  type ServerReply,
} from './message.ts';
export {
  type BackoffOptions,
  backoffDelay,
  type ClientOptions,
  type CoreOptions,
  DEFAULT_BACKOFF,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type ResumeOptions,
} from './options.ts';
export { newClientId, type SendAction } from './outbox.ts';
export { type HistoryOptions, MAX_HISTORY_PAGE } from './reading.ts';
export { DEFAULT_ACK_DELAY_MS, ResumingCore } from './resume.ts';
export type { ClientTransport, ConnectTarget, OpenTransport } from './transport-types.ts';
// Every event and reply type, as types.ts declares it.
export type * from './types.ts';
export {
  connectWebSocket,
  type WebSocketClass,
  type WebSocketLike,
  type WebSocketOptions,
  WebSocketTransport,
} from './ws-transport.ts';
