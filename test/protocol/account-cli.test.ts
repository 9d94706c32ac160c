// The account commands of the operator CLI (user ban, unban, delete) on the database of
// a running server. TCP only: what is tested is the CLI and its audit entries; the wire
// only checks the effect (the account cases run over both transports in cases/).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT, registered, tryLogin } from './accounts-support.ts';
import { closeAllClients } from './client.ts';
import { cleanup, runCli, startServer } from './harness.ts';
import { codeOf, PASSWORD } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

describe('operator commands', () => {
  it('user delete, ban and unban work on the database and protect the last admin', async () => {
    const server = await startServer({ users: [ROOT] });
    const { name } = await registered(server.port, 'cli');
    const dir = ['--data-dir', server.dataDir];
    const ban = await runCli(['user', 'ban', name, '--reason', 'abuse', ...dir]);
    expect(ban.code).toBe(0);
    expect(ban.stdout).toContain(`${name} banned`);
    expect(codeOf(await tryLogin(server.port, name, PASSWORD))).toBe('forbidden');
    expect((await runCli(['user', 'unban', name, ...dir])).code).toBe(0);
    expect(codeOf(await tryLogin(server.port, name, PASSWORD))).toBe('OK');
    const lastAdmin = await runCli(['user', 'delete', ROOT.username, ...dir]);
    expect(lastAdmin.code).not.toBe(0);
    expect(lastAdmin.stderr).toContain('last admin');
    expect((await runCli(['user', 'ban', ROOT.username, ...dir])).stderr).toContain('last admin');
    const del = await runCli(['user', 'delete', name, ...dir]);
    expect(del.code).toBe(0);
    expect(codeOf(await tryLogin(server.port, name, PASSWORD))).toBe('invalid_credentials');
    expect((await runCli(['user', 'delete', 'nobody-at-all', ...dir])).stderr).toContain('no user');
    const audit = await runCli(['audit', '--json', ...dir]);
    const actions = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.actor === '(cli)' && e.target === name)
      .map((e) => e.action);
    expect(actions).toEqual(['ban', 'unban', 'account_deleted']);
  });
});
