// The two transports one protocol suite runs over: each case module in cases/
// takes a Wire and is run by a thin *.tcp.test.ts and *.ws.test.ts file.
import type { Endpoint } from './client.ts';
import type { ServerHandle } from './harness.ts';
import './ws-client.ts';

/** How a suite reaches a running server. */
export interface Wire {
  readonly name: 'tcp' | 'ws';
  /** Where this transport's clients connect on `server`. */
  endpoint(server: ServerHandle): Endpoint;
}

/** NDJSON over TCP on the server's port. */
export const TCP: Wire = { name: 'tcp', endpoint: (server) => server.port };

/** One JSON object per text message on /ws of the HTTP listener. */
export const WS: Wire = {
  name: 'ws',
  endpoint: (server) => {
    if (server.httpPort === undefined) throw new Error('the server reported no http_port');
    return { ws: server.httpPort };
  },
};
