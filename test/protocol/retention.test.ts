// `super-server messages purge --before DATE` on the real binary and database.
// TCP only: what is tested is the operator command; the wire only reads the result.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient } from './client.ts';
import { cleanup, runCli, type SeedUser, startServer } from './harness.ts';
import { sendMany } from './stored.ts';
import { emailFor, expectOk, PASSWORD } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const USERS: SeedUser[] = ['rt_ann', 'rt_ben'].map((username) => ({
  username,
  email: emailFor(username),
  password: PASSWORD,
}));

describe('messages purge', () => {
  it('deletes messages sent before the date, also while the server runs', async () => {
    const server = await startServer({ users: USERS });
    const ann = await loginClient(server.port, 'rt_ann', PASSWORD);
    const [first] = await sendMany(ann, 'rt_ben', 30, 10);
    const kept = await runCli([
      'messages',
      'purge',
      '--before',
      '2000-01-01',
      '--data-dir',
      server.dataDir,
    ]);
    expect(kept).toMatchObject({
      code: 0,
      stdout: 'deleted 0 messages sent before 2000-01-01T00:00:00.000Z\n',
    });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const gone = await runCli([
      'messages',
      'purge',
      '--before',
      tomorrow,
      '--data-dir',
      server.dataDir,
    ]);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(/^deleted 30 messages sent before /);
    const h = expectOk(await ann.call('history', [first?.conv]), 'history');
    expect(h.data).toMatchObject({ messages: [], more: false });
    // Seq goes on after a purge.
    expect(expectOk(await ann.call('msg', ['rt_ben', 'after']), 'msg').data.seq).toBe(31);
  });

  it('refuses a missing or malformed date with exit code 2', async () => {
    const bad = await runCli(['messages', 'purge', '--before', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--before');
    const missing = await runCli(['messages', 'purge']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('--before');
  });
});
