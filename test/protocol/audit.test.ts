// The `audit` command's flags (--since, --limit, the text form) on a stopped server's
// database. TCP only: nothing here goes over the wire; what a server writes to the log for
// actions over the wire is tested over both transports in cases/audit.case.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { auditEntries as audit } from './audit-support.ts';
import { cleanup, runCli, startServer } from './harness.ts';

afterAll(cleanup);

const ROOT = {
  username: 'root',
  email: 'root@example.com',
  password: 'Tq7!long-pass-R',
  level: 'admin',
};

describe('audit command', () => {
  it('filters with --since and refuses a bad one', async () => {
    const server = await startServer({ users: [ROOT] });
    // Signalled the moment it is listening: still the graceful stop, exit 0.
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect((await audit(server.dataDir, '--since', '1h')).length).toBe(2);
    expect(await audit(server.dataDir, '--since', '2999-01-01')).toEqual([]);
    expect((await audit(server.dataDir, '--limit', '1')).map((e) => e.action)).toEqual([
      'user_add',
    ]);
    const bad = await runCli(['audit', '--since', 'yesterday-ish', '--data-dir', server.dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since');
    const text = await runCli(['audit', '--data-dir', server.dataDir]);
    expect(text.stdout).toMatch(/\(cli\) {2}user_add {2}root {2}ok/);
  });
});
