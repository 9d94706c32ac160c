// Helpers for the SDK tests: connected/registered SDK clients, event waits with deadlines.
import {
  Client,
  type ClientEvents,
  type ClientOptions,
  ServerError,
} from '../../src/client/index.ts';
import { emailFor, uniqueName } from '../protocol/util.ts';

/** A password that passes the server's policy for any generated username. */
export const PASS = 'Tq7!long-pass-XY';

/** Default deadline for any single wait. */
export const WAIT_MS = 5_000;

const clients = new Set<Client>();

/** Closes every SDK client the helpers created (call in afterEach). */
export function closeAllSdk(): void {
  for (const c of clients) c.close();
  clients.clear();
}

/** A new SDK client connected to 127.0.0.1:port (hello received). */
export async function connectSdk(port: number, opts: ClientOptions = {}): Promise<Client> {
  const c = new Client({ requestTimeoutMs: WAIT_MS, ...opts });
  clients.add(c);
  await c.connect({ host: '127.0.0.1', port });
  return c;
}

/** A new SDK client with a freshly registered account, logged in. */
export async function registerSdk(port: number, prefix: string, opts: ClientOptions = {}) {
  const name = uniqueName(prefix);
  const client = await connectSdk(port, opts);
  await client.register(name, PASS, emailFor(name));
  return { name, client };
}

/** Resolves with the next `name` event's argument, or rejects after `ms`. */
export function nextEvent<K extends keyof ClientEvents>(
  client: Client,
  name: K,
  ms = WAIT_MS,
): Promise<ClientEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const listener = (arg: ClientEvents[K][0]) => {
      clearTimeout(timer);
      resolve(arg);
    };
    const timer = setTimeout(() => {
      client.off(name, listener as never);
      reject(new Error(`no ${String(name)} event within ${ms} ms`));
    }, ms);
    client.once(name, listener as never);
  });
}

/** Resolves with `p`, or rejects when it takes longer than `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Resolves with the rejection of `p` (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * A new SDK client logged in as `username`; retries for up to 2 s while the server still holds
 * the user's previous session (a client the test just closed).
 */
export async function loginSdk(port: number, username: string, password: string) {
  const end = Date.now() + 2000;
  for (;;) {
    const c = await connectSdk(port);
    try {
      await c.login(username, password);
      return c;
    } catch (err) {
      c.close();
      const busy = err instanceof ServerError && err.code === 'already_logged_in';
      if (!busy || Date.now() > end) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
