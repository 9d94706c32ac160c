// Start-up failures of the real binary: one `super-server: …` line on stderr
// naming what is wrong, exit code 2, no stack trace, nothing left running.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_VERSION } from '../../src/server/connection.ts';
import { SERVER_BIN_SCRIPT } from '../programs.ts';
import {
  type CliResult,
  cleanup,
  makeTempDir,
  runCli,
  startServer,
  writeConfig,
} from './harness.ts';

afterAll(cleanup);

// Expects exit 2 and exactly one line on stderr, matching `line`.
function expectOneLine(r: CliResult, line: RegExp): void {
  expect(r.timedOut, 'should have exited by itself').toBe(false);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^super-server: /);
  expect(lines[0]).toMatch(line);
}

// Arguments for a server on a fresh data dir.
function serveArgs(...extra: string[]): string[] {
  return ['--host', '127.0.0.1', '--data-dir', makeTempDir().dataDir, ...extra];
}

// A port held by a plain listener for the rest of the file.
async function takenPort(): Promise<number> {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  holder.unref();
  return (holder.address() as net.AddressInfo).port;
}

describe('usage', () => {
  // These two run the user-facing bin/super-server script (tsx over src/), so it stays
  // covered; the rest of the suite starts the compiled dist/cli/server.js.
  it('--version prints the version the hello reports', async () => {
    const r = await runCli(['--version'], { program: SERVER_BIN_SCRIPT });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(SERVER_VERSION);
  });

  it('--help lists the flags of serve, the default command', async () => {
    const r = await runCli(['--help'], { program: SERVER_BIN_SCRIPT });
    expect(r.code).toBe(0);
    for (const flag of [
      '--port <port>',
      '--data-dir',
      '--workers',
      '--metrics-port',
      '--tls-cert',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/user/);
  });

  it('suggests the command a near-miss meant', async () => {
    const users = await runCli(['users', 'list']);
    expectOneLine(
      users,
      /^super-server: unknown command 'users list'; did you mean 'user list'\?$/,
    );
    expectOneLine(await runCli(['audt']), /did you mean 'audit'\?$/);
    expectOneLine(await runCli(['user', 'lst']), /unknown command 'lst'; did you mean 'list'\?$/);
    expectOneLine(
      await runCli(['frobnicate']),
      /unknown command 'frobnicate'; see super-server --help$/,
    );
  });

  it('checks flag values as they are read', async () => {
    expectOneLine(
      await runCli(['--port', 'abc']),
      /^super-server: --port abc: must be a port number/,
    );
    expectOneLine(await runCli(['--port', '65536']), /--port 65536: must be a port number/);
    expectOneLine(await runCli(['--workers', 'two']), /--workers two: must be a whole number/);
    expectOneLine(await runCli(['--metrics-port', '-1']), /--metrics-port -1: must be a port/);
  });

  it('reports every usage error in the same form with exit 2', async () => {
    expectOneLine(await runCli(['--bogus']), /^super-server: unknown option '--bogus'$/);
    expectOneLine(await runCli(['user', 'add', 'x']), /^super-server: required option '--email/);
    expectOneLine(await runCli(['audit', '--limit', '0']), /^super-server: --limit must be/);
  });
});

describe('levels', () => {
  it('names levels.grants once when levels.order drops a level the default grants use', async () => {
    const { root, dataDir } = makeTempDir();
    const config = writeConfig(root, { levels: { order: ['basic', 'moderator'] } });
    const r = await runCli(['--port', '0', '--data-dir', dataDir, '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.match(/levels\.grants/g)).toHaveLength(2); // the key, and the advice
    expect(r.stderr).toMatch(/levels\.grants: not set, and the default grants .* name "admin"/);
    expect(r.stderr).not.toContain('levels.grants.admin');
  });
});

describe('a port in use', () => {
  it('names the client port', async () => {
    const port = await takenPort();
    const r = await runCli(serveArgs('--port', String(port)));
    expectOneLine(r, new RegExp(`^super-server: port ${port} on 127.0.0.1 is already in use$`));
  });

  it('names the metrics port, not the client one', async () => {
    const port = await takenPort();
    const r = await runCli(serveArgs('--port', '0', '--metrics-port', String(port)));
    expectOneLine(
      r,
      new RegExp(`^super-server: metrics port ${port} on 127.0.0.1 is already in use$`),
    );
  });

  it('names the metrics port of a server with workers', async () => {
    const port = await takenPort();
    const r = await runCli(
      serveArgs('--port', '0', '--workers', '2', '--metrics-port', String(port)),
    );
    expectOneLine(r, new RegExp(`metrics port ${port} on 127.0.0.1 is already in use$`));
  });

  it('gives one line for two workers that cannot bind', async () => {
    const port = await takenPort();
    const r = await runCli(serveArgs('--port', String(port), '--workers', '2'));
    expectOneLine(r, new RegExp(`^super-server: port ${port} on 127.0.0.1 is already in use$`));
    expect(r.stderr).not.toMatch(/unexpected failure|worker \d exited|\n\s+at /);
  });

  it('leaves the server already on the port alone', async () => {
    const first = await startServer();
    const r = await runCli(serveArgs('--port', String(first.port), '--workers', '2'));
    expectOneLine(r, /is already in use$/);
    expect(first.proc.exitCode).toBeNull();
  });
});
