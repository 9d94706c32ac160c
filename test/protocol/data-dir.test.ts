// The data directory: every way it can be unusable is one line naming the path
// and exit 2; what the server creates is private (0700, files 0600).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient } from './client.ts';
import { BIN, type CliResult, cleanup, makeTempDir, runCli, startServer } from './harness.ts';
import { emailFor, expectOk, PASSWORD, pollUntil, uniqueName } from './util.ts';

afterAll(async () => {
  closeAllClients();
  await cleanup();
});

// Root ignores permission bits, so as root the permission cases run the server as `nobody`.
const OTHER_USER = process.getuid?.() === 0 ? { uid: 65_534, gid: 65_534 } : {};

// Runs the server (BIN) as OTHER_USER (or as ourselves when we are not root).
function runAsOther(args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { ...OTHER_USER, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut: signal === 'SIGKILL' });
    });
  });
}

// A temp root the other user can enter, holding a directory nobody but root may write.
function readOnlyDir(): string {
  const { root } = makeTempDir();
  fs.chmodSync(root, 0o755);
  const dir = path.join(root, 'locked');
  fs.mkdirSync(dir, { mode: 0o555 });
  fs.chmodSync(dir, 0o555);
  return dir;
}

// Expects exit 2 and exactly one `super-server: …` line on stderr, naming `named`.
function expectOneLine(r: CliResult, named: string, why: RegExp): void {
  expect(r.timedOut).toBe(false);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^super-server: /);
  expect(lines[0]).toContain(named);
  expect(lines[0]).toMatch(why);
  expect(r.stderr).not.toMatch(/\n\s+at |unexpected failure|bind/);
}

const serve = (dataDir: string) => ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir];

describe('an unusable data directory', () => {
  it('that is a file', async () => {
    const { root } = makeTempDir();
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    expectOneLine(await runCli(serve(file)), file, /not a directory/);
  });

  it('under a file', async () => {
    const { root } = makeTempDir();
    fs.writeFileSync(path.join(root, 'a-file'), 'x');
    const dir = path.join(root, 'a-file', 'data');
    expectOneLine(await runCli(serve(dir)), dir, /a part of the path is a file/);
  });

  it('that cannot be written', async () => {
    const dir = readOnlyDir();
    const r = await runAsOther(serve(dir));
    expectOneLine(r, path.join(dir, 'super-server.db'), /permission denied.*not writable/);
  });

  it('whose parent cannot be written', async () => {
    const dir = path.join(readOnlyDir(), 'data');
    const r = await runAsOther(serve(dir));
    expectOneLine(r, dir, /cannot create data directory.*permission denied/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('holding a file that is not a database', async () => {
    const { dataDir } = makeTempDir();
    const db = path.join(dataDir, 'super-server.db');
    fs.writeFileSync(db, 'this is not a SQLite database, it is a text file; '.repeat(40));
    expectOneLine(await runCli(serve(dataDir)), db, /not a SQLite database/);
    // The user commands open the database the same way and fail the same way.
    expectOneLine(await runCli(['user', 'list', '--data-dir', dataDir]), db, /not a SQLite/);
  });
});

describe('a database from a newer server', () => {
  it('is refused in one line, untouched', async () => {
    const { dataDir } = makeTempDir();
    const db = path.join(dataDir, 'super-server.db');
    const file = new Database(db);
    file.pragma('user_version = 999');
    file.close();
    expectOneLine(await runCli(serve(dataDir)), db, /schema version 999 is newer than this server/);
    const again = new Database(db, { readonly: true });
    expect(again.pragma('user_version', { simple: true })).toBe(999);
    again.close();
  });
});

describe('file modes', () => {
  it('creates the data directory 0700 and its files 0600', async () => {
    const dataDir = path.join(makeTempDir().root, 'fresh');
    const srv = await startServer({
      dataDir,
      config: { accounts: { require_email_confirmation: true } },
    });
    const c = await connectClient(srv.port);
    const name = uniqueName('modes');
    const created = await c.request('create_user', [name, PASSWORD, emailFor(name)], c.helloToken);
    expectOk(created, 'create_user');
    const outbox = path.join(dataDir, 'dev-outbox.jsonl');
    expect(await pollUntil(async () => fs.existsSync(outbox), 5_000)).toBe(true);
    const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
    expect(mode(dataDir)).toBe('700');
    for (const file of ['super-server.db', 'super-server.db-wal', 'super-server.db-shm']) {
      expect(mode(path.join(dataDir, file)), file).toBe('600');
    }
    expect(mode(outbox)).toBe('600');
    expect(srv.output.stdout).not.toContain('data directory is open');
  });

  it('leaves an existing wider directory as it is, with one warning', async () => {
    const { dataDir } = makeTempDir();
    fs.chmodSync(dataDir, 0o755);
    const srv = await startServer({ dataDir });
    await srv.stop();
    expect((fs.statSync(dataDir).mode & 0o777).toString(8)).toBe('755');
    const warnings = srv.output.stdout
      .split('\n')
      .filter((l) => l.includes('data directory is open'))
      .map((l) => JSON.parse(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, data_dir: dataDir, mode: '755' });
  });
});
