// Shared set-up of the prompt tests: seeded accounts and a client logged in
// through the prompt as a person would (connect, login, password).
import type { SeedUser } from '../protocol/harness.ts';
import { PASS } from '../sdk/helpers.ts';
import { PtyClient } from './pty.ts';

/** An account seeded with `user add` before the server starts, with the SDK tests' password. */
export function seed(username: string): SeedUser {
  return { username, email: `${username}@example.com`, password: PASS };
}

/** Starts a client, connects it to `port` and logs in `user` (answering the prompts). */
export async function loggedIn(port: number, user: string): Promise<PtyClient> {
  const c = new PtyClient();
  await c.waitScreen('super> ');
  await c.run(`connect 127.0.0.1:${port}`, `connected to 127.0.0.1:${port}`);
  await c.run(`login ${user}`, 'password: ');
  c.type(`${PASS}\r`);
  await c.waitScreen(`logged in as ${user}`);
  await c.waitCursorLine(`${user}@127.0.0.1:${port}> `);
  return c;
}
