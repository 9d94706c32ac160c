// Without Redis (or PostgreSQL) the cluster suites are skipped with exactly one line saying
// why (issue 15): here redis-server is hidden from PATH, the real check runs, and what it
// prints is counted.
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clusterSkipReason } from './cluster-support.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A PATH with a shell and nothing else, so `command -v redis-server` finds nothing. */
function pathWithoutRedis(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ss-path-'));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  return dir;
}

describe('the cluster suites without redis-server', () => {
  it('print one line saying why they are skipped', () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('PATH', pathWithoutRedis());
    const lines: string[] = [];
    const keep = (...args: unknown[]) => void lines.push(args.join(' '));
    for (const level of ['log', 'warn', 'error', 'info'] as const)
      vi.spyOn(console, level).mockImplementation(keep);
    const why = clusterSkipReason();
    expect(why).toContain('redis-server');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cluster suites skipped: .*redis-server/);
  });

  it('fail instead under CI', () => {
    vi.stubEnv('CI', '1');
    vi.stubEnv('PATH', pathWithoutRedis());
    expect(() => clusterSkipReason()).toThrow(/CI must run/);
  });
});
