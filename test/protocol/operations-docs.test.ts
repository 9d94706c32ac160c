// The operator's docs say what the binary does: the health endpoint, the
// `user list` output, and every metric /metrics reports (operations.md#metrics).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { addUser, cleanup, makeTempDir, runCli, startServer } from './harness.ts';

afterAll(cleanup);

const doc = (name: string) =>
  fs.readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

describe('docs/operations.md and docs/configuration.md', () => {
  it('show the real user list output', async () => {
    const { dataDir } = makeTempDir();
    const admin = {
      username: 'admin',
      email: 'admin@example.com',
      password: 'spruce-harbor-lantern',
      level: 'admin',
    };
    expect((await addUser(dataDir, admin)).code).toBe(0);
    const list = await runCli(['user', 'list', '--data-dir', dataDir]);
    expect(list.code, list.stderr).toBe(0);
    const line = list.stdout.trimEnd();
    expect(line).toBe('#00001  admin  admin  admin@example.com  -  active');
    expect(doc('operations.md')).toContain(`\n  ${line}\n`);
  });

  it('name the health endpoint the metrics listener serves, and every metric', async () => {
    const srv = await startServer({ args: ['--metrics-port', '0'] });
    const health = await fetch(`http://127.0.0.1:${srv.metricsPort}/healthz`);
    expect(health.status).toBe(200);
    const operations = doc('operations.md');
    expect(operations).toContain('GET /healthz');
    expect(operations).not.toMatch(/no HTTP health endpoint/i);
    const metrics = await (await fetch(`http://127.0.0.1:${srv.metricsPort}/metrics`)).text();
    const names = [...metrics.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] as string);
    expect(names).toContain('super_server_processes');
    expect(names).toContain('nodejs_gc_duration_seconds');
    for (const name of names) {
      expect(operations.includes(`\`${name}\``), `${name} is in operations.md`).toBe(true);
    }
    expect(doc('configuration.md')).toContain('operations.md#metrics');
  });
});
