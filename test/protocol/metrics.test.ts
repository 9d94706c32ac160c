// The operator's metrics endpoint: GET /metrics in Prometheus text, /healthz, nothing else.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, registerClient } from './client.ts';
import { cleanup, useServer } from './harness.ts';
import { emailFor, expectOk, PASSWORD, pollUntil } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

/** The value of an unlabelled sample, or of `name{labels}` when given in full. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe('metrics endpoint', () => {
  const server = useServer({ args: ['--metrics-port', '0'] });
  const url = (path: string) => `http://127.0.0.1:${server().metricsPort}${path}`;

  it('reports sessions, delivered messages and an event-loop lag histogram', async () => {
    expect(server().metricsPort).toBeGreaterThan(0);
    const a = await registerClient(server().port, 'mt_alice', PASSWORD, emailFor('mt_alice'));
    const b = await registerClient(server().port, 'mt_bob', PASSWORD, emailFor('mt_bob'));
    expectOk(await a.call('msg', ['mt_bob', 'counted']), 'msg');
    await b.nextEvent('message');
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'super_server_sessions')).toBe(2);
    expect(sample(text, 'super_server_connections')).toBe(2);
    expect(sample(text, 'super_server_messages_delivered_total')).toBe(1);
    expect(sample(text, 'super_server_processes')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    const buckets = [
      ...text.matchAll(/^super_server_eventloop_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm),
    ];
    expect(buckets.at(-1)?.[1]).toBe('+Inf');
    const counts = buckets.map((m) => Number(m[2]));
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    expect(counts.at(-1)).toBe(sample(text, 'super_server_eventloop_lag_seconds_count'));
    // The sampler ticks every 10 ms, so the count keeps growing.
    const later = await pollUntil(async () => {
      const again = await (await fetch(url('/metrics'))).text();
      return sample(again, 'super_server_eventloop_lag_seconds_count') > (counts.at(-1) ?? 0);
    }, 2_000);
    expect(later).toBe(true);
    a.destroy();
    const gone = await pollUntil(async () => {
      const again = await (await fetch(url('/metrics'))).text();
      return sample(again, 'super_server_sessions') === 1;
    }, 2_000);
    expect(gone).toBe(true);
  });

  it('answers /healthz, 404 elsewhere and 405 for other methods', async () => {
    const health = await fetch(url('/healthz'));
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect((await fetch(url('/nothing'))).status).toBe(404);
    const post = await fetch(url('/metrics'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
