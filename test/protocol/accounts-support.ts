// Helpers for the account tests: registering, one-off logins and registrations,
// and comparing two replies that must not tell anything apart.
import { connectClient, type Endpoint, type Frame, type TestClient } from './client.ts';
import { emailFor, expectOk, PASSWORD, uniqueName } from './util.ts';

/** Registers a fresh user named from `prefix`, left logged in. */
export async function registered(
  endpoint: Endpoint,
  prefix: string,
): Promise<{ name: string; c: TestClient }> {
  const name = uniqueName(prefix);
  const c = await connectClient(endpoint);
  await c.register(name, PASSWORD, emailFor(name));
  return { name, c };
}

/** The reply to a login attempt (veus) on a fresh connection, which is then closed. */
export async function tryLogin(endpoint: Endpoint, username: string, password: string) {
  const c = await connectClient(endpoint);
  const r = await c.call('veus', [username, password]);
  c.destroy();
  return r;
}

/** The reply to create_user (or `action`) with `data` on a fresh connection, then closed. */
export async function createUser(
  endpoint: Endpoint,
  data: unknown[],
  action = 'create_user',
): Promise<Frame> {
  const c = await connectClient(endpoint);
  const r = await c.request(action, data, c.helloToken);
  c.destroy();
  return r;
}

/** Creates an account (without a session) and returns its id. */
export async function account(
  endpoint: Endpoint,
  username: string,
  email = emailFor(username),
): Promise<string> {
  const r = expectOk(
    await createUser(endpoint, [username, PASSWORD, email]),
    `create_user ${username}`,
  );
  return r.data.id;
}

/** A reply without its tag: what must not differ between two answers. */
export function untagged(frame: { tag?: unknown }) {
  const { tag: _tag, ...rest } = frame;
  return rest;
}

/** An admin seeded with `user add` (the only way to create one). */
export const ROOT = {
  username: 'root',
  email: 'root@example.com',
  password: 'Tq7!chief-pass',
  level: 'admin',
};
