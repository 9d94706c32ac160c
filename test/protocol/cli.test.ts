// The command line: user add/list/set-level, config validation, port clash, env overrides, logs.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, loginClient, registerClient } from './client.ts';
import {
  addUser,
  cleanup,
  makeTempDir,
  runCli,
  type SeedUser,
  startServer,
  writeConfig,
} from './harness.ts';
import { codeOf, emailFor, PASSWORD, uniqueName } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

// A seed account with a given password.
function seed(username: string, password = PASSWORD, level?: string): SeedUser {
  return { username, email: emailFor(username), password, level };
}

// Runs the server with `config` and expects it to fail at start-up.
async function expectStartFailure(config: unknown, extra: string[] = []) {
  const { root, dataDir } = makeTempDir();
  const configPath = writeConfig(root, config);
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--config',
    configPath,
  ];
  const r = await runCli([...args, ...extra], { timeoutMs: 15_000 });
  expect(r.timedOut, 'server should have exited by itself').toBe(false);
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  return r;
}

describe('user commands', () => {
  it('adds users and lists them without secrets', async () => {
    const { dataDir } = makeTempDir();
    const secret = 'list-secret-password-1';
    expect((await addUser(dataDir, seed('carol', secret))).code).toBe(0);
    const admin = { ...seed('dave', secret, 'admin'), phone: '+4791234567' };
    const added = await addUser(dataDir, admin);
    expect(added.code, added.stderr).toBe(0);
    const list = await runCli(['user', 'list', '--data-dir', dataDir]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('carol');
    expect(list.stdout).toContain('dave');
    for (const out of [list.stdout, list.stderr, added.stdout, added.stderr]) {
      expect(out).not.toContain(secret);
      expect(out).not.toMatch(/\$argon2/);
    }
  });

  it('refuses a duplicate email with a non-zero exit', async () => {
    const { dataDir } = makeTempDir();
    expect((await addUser(dataDir, seed('erin'))).code).toBe(0);
    const dup = await addUser(dataDir, { ...seed('frank'), email: emailFor('erin') });
    expect(dup.code).not.toBe(0);
    const dupCase = await addUser(dataDir, { ...seed('gina'), email: 'ERIN@example.com' });
    expect(dupCase.code).not.toBe(0);
    const list = await runCli(['user', 'list', '--data-dir', dataDir]);
    expect(list.stdout).not.toContain('frank');
  });

  it('set-level changes the level a user logs in with', async () => {
    const { dataDir } = makeTempDir();
    expect((await addUser(dataDir, seed('root', PASSWORD, 'admin'))).code).toBe(0);
    expect((await addUser(dataDir, seed('hank'))).code).toBe(0);
    const set = await runCli(['user', 'set-level', 'hank', 'admin', '--data-dir', dataDir]);
    expect(set.code, set.stderr).toBe(0);
    const srv = await startServer({ dataDir });
    const c = await loginClient(srv.port, 'hank', PASSWORD);
    expect((await c.call('get_permission_level')).data).toBe('admin');
  });
});

describe('server start-up', () => {
  it('fails on a bad config value, naming the key', async () => {
    const r = await expectStartFailure({ limits: { max_connections: 'lots' } });
    expect(r.stderr + r.stdout).toContain('limits.max_connections');
  });

  it('fails on an unknown config key, naming the key', async () => {
    const r = await expectStartFailure({ limits: { max_connectionz: 5 } });
    const out = r.stderr + r.stdout;
    expect(out).toContain('max_connectionz');
    expect(out).toContain('limits');
  });

  it('fails when the port is in use', async () => {
    const first = await startServer();
    const { root, dataDir } = makeTempDir();
    const configPath = writeConfig(root, {});
    const args = ['--host', '127.0.0.1', '--port', String(first.port), '--data-dir', dataDir];
    const r = await runCli([...args, '--config', configPath], { timeoutMs: 15_000 });
    expect(r.timedOut, 'second server should have exited by itself').toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(new RegExp(`in use|EADDRINUSE|${first.port}`, 'i'));
    const c = await connectClient(first.port);
    expect(await c.request('ping')).toMatchObject({ ok: true, data: 'pong' });
  });

  it('takes config overrides from SUPER_SERVER__ environment variables', async () => {
    const srv = await startServer({ env: { SUPER_SERVER__SESSION__HELLO_TTL_S: '7' } });
    const c = await connectClient(srv.port);
    expect(c.received[0]?.data.token_expires_in_s).toBe(7);
  });
});

describe('logs', () => {
  it('never contain passwords, hashes or session tokens', async () => {
    const adminPw = 'admin-log-secret-42';
    const userPw = 'user-log-secret-43';
    const wrongPw = 'wrong-log-secret-44';
    const srv = await startServer({
      users: [seed('logroot', adminPw, 'admin')],
      logLevel: 'debug',
    });
    const admin = await loginClient(srv.port, 'logroot', adminPw);
    const name = uniqueName('logu');
    const user = await registerClient(srv.port, name, userPw, emailFor(name));
    const bad = await connectClient(srv.port);
    expect(codeOf(await bad.request('veus', [name, wrongPw], bad.helloToken))).toBe(
      'invalid_credentials',
    );
    expect(codeOf(await admin.call('msg', [name, 'secret-free message']))).toBe('OK');
    expect(codeOf(await user.call('get_id'))).toBe('OK');
    expect(codeOf(await admin.call('change_permission_level', [name, 'admin']))).toBe('OK');
    await srv.stop();
    const logs = srv.output.stdout + srv.output.stderr;
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [adminPw, userPw, wrongPw, admin.token, user.token]) {
      expect(secret && logs.includes(secret), `log contains ${secret}`).toBe(false);
    }
    expect(logs).not.toMatch(/\$argon2/);
  });
});
