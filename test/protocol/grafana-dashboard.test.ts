// docs/grafana-dashboard.json imports into Grafana and queries only metrics a real
// server reports: every name in its expressions is checked against a live scrape.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, startServer } from './harness.ts';

afterAll(cleanup);

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: Array<{ expr: string; refId: string }>;
}

const dashboard = JSON.parse(
  fs.readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8'),
) as { __inputs: Array<{ name: string }>; panels: Panel[]; title: string };

/** The metric names a PromQL expression reads (ours and prom-client's defaults). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:super_server|process|nodejs)_[a-z0-9_]+)\b/g)].map(
    (m) => m[1] as string,
  );
}

/** Grafana's placeholder for the data source picked at import. */
const DATA_SOURCE = ['$', '{DS_PROMETHEUS}'].join('');

describe('docs/grafana-dashboard.json', () => {
  it('asks for the Prometheus data source on import and uses it in every panel', () => {
    expect(dashboard.title).toBe('super-server');
    expect(dashboard.__inputs.map((i) => i.name)).toEqual(['DS_PROMETHEUS']);
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(DATA_SOURCE);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics that a real /metrics scrape has', async () => {
    const srv = await startServer({ args: ['--metrics-port', '0'] });
    const text = await (await fetch(`http://127.0.0.1:${srv.metricsPort}/metrics`)).text();
    const types = new Map(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    const exists = (name: string) => {
      if (types.has(name)) return types.get(name) !== 'histogram';
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return base !== name && types.get(base) === 'histogram';
    };
    const queried = new Set(
      dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr))),
    );
    for (const name of [
      'super_server_request_duration_seconds_count',
      'super_server_messages_stored_total',
      'super_server_connections',
      'super_server_eventloop_lag_seconds_bucket',
      'super_server_commit_batch_size_bucket',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
    ]) {
      expect(queried.has(name), `the dashboard shows ${name}`).toBe(true);
    }
    for (const name of queried) expect(exists(name), `${name} is in a real scrape`).toBe(true);
  });
});
