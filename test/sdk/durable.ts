// Helpers for the SDK's stored-conversation tests: clients with options, a transport a test
// can cut, and waiting for a count of events.
import {
  type ChatMessage,
  Client,
  type ClientOptions,
  type ClientTransport,
  connectNode,
  ServerError,
} from '../../src/client/index.ts';
import { type ServerHandle, startServer } from '../protocol/harness.ts';
import { PASS, registerSdk, WAIT_MS } from './helpers.ts';

const made = new Set<Client>();

/** Closes every client made here (call in afterEach). */
export function closeDurable(): void {
  for (const c of made) c.close();
  made.clear();
}

/** A client whose current transport the test can cut (as if the network dropped). */
export function cuttableClient(opts: ClientOptions = {}) {
  const box: { transport?: ClientTransport; opened: number } = { opened: 0 };
  const client = new Client({
    requestTimeoutMs: WAIT_MS,
    ...opts,
    transport: (o) => {
      box.opened++;
      return (opts.transport ?? connectNode)(o).then((t) => {
        box.transport = t;
        return t;
      });
    },
  });
  made.add(client);
  return { client, box, cut: () => box.transport?.close() };
}

/** Connects `c` and logs in as `user`, retrying while the server still holds an old session. */
export async function connectAndLogin(c: Client, port: number, user: string): Promise<void> {
  const end = Date.now() + 3000;
  for (;;) {
    await c.connect({ host: '127.0.0.1', port });
    try {
      await c.login(user, PASS);
      return;
    } catch (err) {
      c.close();
      const busy = err instanceof ServerError && err.code === 'already_logged_in';
      if (!busy || Date.now() > end) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Collects the messages `c` hands to the application. */
export function inbox(c: Client): ChatMessage[] {
  const got: ChatMessage[] = [];
  c.on('message', (m) => got.push(m));
  return got;
}

/** Backoff short enough for a test to watch several reconnects. */
export const FAST_RECONNECT = { initialDelayMs: 50, maxDelayMs: 400 };

/**
 * Two accounts registered on `port` (named from `prefix`), then a reconnecting sender `ca`
 * and a reconnecting receiver `cb` (acking quickly) logged in as them; `got` is cb's inbox.
 */
export async function reconnectingPair(port: number, prefix: string) {
  const { name: a, client: ra } = await registerSdk(port, `${prefix}_a`);
  const { name: b, client: rb } = await registerSdk(port, `${prefix}_b`);
  ra.close();
  rb.close();
  const { client: ca } = cuttableClient({ reconnect: FAST_RECONNECT });
  const { client: cb } = cuttableClient({ reconnect: FAST_RECONNECT, ackDelayMs: 20 });
  const got: ChatMessage[] = inbox(cb);
  await connectAndLogin(ca, port, a);
  await connectAndLogin(cb, port, b);
  return { a, b, ca, cb, got };
}

const WAKE = ['event', 'synced', 'online', 'offline', 'reconnecting', 'close'] as const;

/** Resolves once `check()` is true, re-checked on every event of `c`; rejects after `ms`. */
export function until(c: Client, check: () => boolean, what: string, ms = WAIT_MS * 2) {
  return new Promise<void>((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      for (const name of WAKE) c.off(name, done);
    };
    const done = () => {
      if (!check()) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${what}: not within ${ms} ms`));
    }, ms);
    for (const name of WAKE) c.on(name, done);
    done();
  });
}

/** Restarts a killed server on the same data dir and port. */
export function restartOnSamePort(old: ServerHandle): Promise<ServerHandle> {
  return startServer({ dataDir: old.dataDir, args: ['--port', String(old.port)] });
}
