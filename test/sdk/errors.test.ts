// Typed errors: ServerError carries the wire code; timeouts and closed connections have their own.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  Client,
  type CloseInfo,
  ConnectionClosedError,
  FrameTooLargeError,
  RequestTimeoutError,
  ServerError,
} from '../../src/client/index.ts';
import { cleanup, useServer } from '../protocol/harness.ts';
import { closeAllSdk, connectSdk, PASS, registerSdk, rejection, within } from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

/** Asserts that `err` is a ServerError with this wire code for this action. */
function expectServerError(err: Error, code: string, action: string): void {
  expect(err).toBeInstanceOf(ServerError);
  expect((err as ServerError).code).toBe(code);
  expect((err as ServerError).action).toBe(action);
}

/** True when `text` is reachable from `root` through own properties (not closures). */
function holdsString(root: object, text: string): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  for (let steps = 0; stack.length > 0 && steps < 100_000; steps++) {
    const v = stack.pop();
    if (typeof v === 'string' && v.includes(text)) return true;
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Map || v instanceof Set) stack.push(...v.entries());
    else stack.push(...Object.values(v));
  }
  return false;
}

describe('sdk errors', () => {
  const server = useServer();

  it('wrong password is invalid_credentials; a second login is already_logged_in', async () => {
    const { name, client: first } = await registerSdk(server().port, 'sdk_pw');
    const c = await connectSdk(server().port);
    const err = await rejection(c.login(name, 'Wrong!pass-0000'));
    expectServerError(err, 'invalid_credentials', 'veus');
    expect(c.isLoggedIn).toBe(false);
    expect(c.isConnected).toBe(true);
    expectServerError(await rejection(c.login(name, PASS)), 'already_logged_in', 'set_user');
    expect(holdsString(first, name)).toBe(true); // the walk does reach the client's state
    expect(holdsString(first, PASS)).toBe(false);
    expect(holdsString(c, PASS)).toBe(false);
  });

  it('session and admin actions answer not_found, forbidden, unknown_action', async () => {
    const { client } = await registerSdk(server().port, 'sdk_err');
    expectServerError(
      await rejection(client.messageUser('nobody_here_x', 'hi')),
      'not_found',
      'message_user',
    );
    expectServerError(await rejection(client.killServer('no')), 'forbidden', 'kill_server');
    expectServerError(
      await rejection(client.call('no_such_action')),
      'unknown_action',
      'no_such_action',
    );
    expectServerError(
      await rejection(client.messageUser(client.username ?? '', '')),
      'invalid_input',
      'message_user',
    );
    expect(await client.getPermissionLevel()).toBe('basic');
    expect(await client.getId()).toMatch(/^#\d{5,}$/);
  });

  it('session actions before login are not_logged_in', async () => {
    const c = await connectSdk(server().port);
    expectServerError(await rejection(c.who()), 'not_logged_in', 'show_online_users');
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
  });

  it('a request larger than the frame limit is refused locally and the connection lives', async () => {
    const { client } = await registerSdk(server().port, 'sdk_big');
    const err = await rejection(client.call('ping', ['x'.repeat(70_000)]));
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect(await client.getPermissionLevel()).toBe('basic');
  });

  it('calls without a connection reject with ConnectionClosedError', async () => {
    const c = new Client();
    const err = await rejection(c.who());
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as ConnectionClosedError).reason).toBe('not_connected');
  });

  it('a frozen server times requests out; they work again once it resumes', async () => {
    const srv = server();
    const { client } = await registerSdk(srv.port, 'sdk_slow', { requestTimeoutMs: 500 });
    srv.proc.kill('SIGSTOP');
    try {
      const err = await within(rejection(client.who()), 3000, 'who against a stopped server');
      expect(err).toBeInstanceOf(RequestTimeoutError);
      expect((err as RequestTimeoutError).action).toBe('show_online_users');
    } finally {
      srv.proc.kill('SIGCONT');
    }
    expect(client.isConnected).toBe(true);
    expect(await client.getPermissionLevel()).toBe('basic');
  });

  it('pending requests reject with ConnectionClosedError when the client closes', async () => {
    const srv = server();
    const { client } = await registerSdk(srv.port, 'sdk_pend');
    srv.proc.kill('SIGSTOP');
    try {
      const pending = rejection(client.who());
      client.close();
      const err = await pending;
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect((err as ConnectionClosedError).reason).toBe('client_closed');
    } finally {
      srv.proc.kill('SIGCONT');
    }
  });
});

describe('sdk errors: connection cap', () => {
  const server = useServer({ config: { limits: { max_connections: 1 } } });

  it('a connection refused by a cap rejects connect with ServerError server_busy', async () => {
    const first = await connectSdk(server().port);
    const second = new Client({ requestTimeoutMs: 5000 });
    let close: CloseInfo | undefined;
    second.on('close', (info) => {
      close = info;
    });
    const err = await within(
      rejection(second.connect({ host: '127.0.0.1', port: server().port })),
      5000,
      'refused connect',
    );
    expectServerError(err, 'server_busy', 'connect');
    expect(second.isConnected).toBe(false);
    expect(close).toMatchObject({ reason: 'server_busy' });
    expect(first.isConnected).toBe(true);
  });
});
