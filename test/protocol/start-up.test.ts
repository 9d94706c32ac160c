// Start-up failures of the real binary: one `super-server: …` line on stderr
// naming what is wrong, exit code 2, no stack trace, nothing left running.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
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
