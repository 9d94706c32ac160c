// The client SDK's public API.
export { Client } from './client.ts';
export { type ClientClock, ManualClock, systemClock, type TimerHandle } from './clock.ts';
export { ClientCore, type ClientOptions, DEFAULT_REQUEST_TIMEOUT_MS } from './core.ts';
export {
  ConnectionClosedError,
  FrameTooLargeError,
  RequestTimeoutError,
  ServerError,
} from './errors.ts';
export { DEFAULT_HELLO_PROBE_MS } from './hello-probe.ts';
export {
  type ClientRequest,
  genMessage,
  parseServerFrame,
  type ServerEvent,
  type ServerFrame,
  type ServerReply,
} from './message.ts';
export {
  type ClientTransport,
  connectTcp,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_LINE_BYTES,
  LineSplitter,
  ServerSpeaksTlsError,
  type TcpOptions,
} from './transport.ts';
export type {
  Account,
  BanChange,
  ChatMessage,
  ClientEvent,
  ClientEvents,
  CloseInfo,
  Disconnect,
  Hello,
  Kicked,
  LevelChange,
  OnlineUsers,
  PermissionChanged,
  Registration,
  SentMessage,
  Shutdown,
  UserInfo,
} from './types.ts';
