// The operator's metrics endpoint: GET /metrics in Prometheus text (prom-client), /healthz,
// nothing else. The counters move by what the clients did, and say nothing about who.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseHistogram } from '../../bench/lib/metrics.ts';
import { REQUEST_BUCKETS_S } from '../../src/server/metrics/server-metrics.ts';
import { closeAllClients, connectClient, loginClient, registerClient } from './client.ts';
import { cleanup, useServer } from './harness.ts';
import { codeOf, emailFor, expectOk, PASSWORD, paddedPing, pollUntil } from './util.ts';
import { WsTestClient } from './ws-client.ts';

afterEach(closeAllClients);
afterAll(cleanup);

/** The value of `name{labels}` (labels in the order the server writes them), or 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const series = labels === '' ? name : `${name}{${labels}}`;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const REQUESTS = 'super_server_request_duration_seconds';

describe('metrics endpoint', () => {
  const server = useServer({ args: ['--metrics-port', '0'] });
  const scrape = async () =>
    (await fetch(`http://127.0.0.1:${server().metricsPort}/metrics`)).text();

  it('counts requests by action and outcome, messages stored, acked and replayed, and connections', async () => {
    const port = server().port;
    const alice = await registerClient(port, 'mt_alice', PASSWORD, emailFor('mt_alice'));
    let bob = await registerClient(port, 'mt_bob', PASSWORD, emailFor('mt_bob'));
    const waiting = await connectClient(port);
    const before = await scrape();

    for (const text of ['one', 'two', 'three'])
      expectOk(await alice.call('msg', ['mt_bob', text]), 'msg');
    let last = { conv: '', seq: 0 };
    for (let i = 0; i < 3; i++) last = (await bob.nextEvent('message')).data;
    expect(codeOf(await alice.call('msg', ['mt_nobody', 'lost']))).toBe('not_found');
    expect(codeOf(await alice.call('no_such_action', []))).toBe('unknown_action');
    expectOk(await bob.call('ack', [last.conv, last.seq]), 'ack');
    const during = await scrape();

    const delta = (name: string, labels = '') =>
      sample(during, name, labels) - sample(before, name, labels);
    expect(delta(`${REQUESTS}_count`, 'action="message_user",outcome="ok"')).toBe(3);
    expect(delta(`${REQUESTS}_count`, 'action="message_user",outcome="not_found"')).toBe(1);
    expect(delta(`${REQUESTS}_count`, 'action="unknown",outcome="unknown_action"')).toBe(1);
    expect(delta(`${REQUESTS}_count`, 'action="ack",outcome="ok"')).toBe(1);
    expect(during).not.toContain('no_such_action');
    expect(delta('super_server_messages_stored_total', 'kind="direct"')).toBe(3);
    expect(delta('super_server_messages_delivered_total')).toBe(3);
    expect(delta('super_server_messages_acked_total')).toBe(3);
    // Every stored message went through a group commit, and each commit was timed.
    expect(delta('super_server_commit_batch_size_sum')).toBe(3);
    const commits = delta('super_server_commit_batch_size_count');
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(delta('super_server_commit_duration_seconds_count')).toBe(commits);

    // A real histogram: every bound, cumulative, +Inf equal to the count.
    const sends = parseHistogram(
      during
        .split('\n')
        .filter((l) => l.includes('action="message_user",outcome="ok"'))
        .join('\n'),
      REQUESTS,
    );
    expect(sends?.buckets.map((b) => b.le)).toEqual([...REQUEST_BUCKETS_S, Infinity]);
    const counts = sends?.buckets.map((b) => b.count) ?? [];
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    expect(counts.at(-1)).toBe(sends?.count);
    expect(sends?.sum).toBeGreaterThan(0);

    expect(sample(during, 'super_server_connections', 'transport="tcp",state="session"')).toBe(2);
    expect(sample(during, 'super_server_connections', 'transport="tcp",state="hello"')).toBe(1);
    expect(sample(during, 'super_server_connections', 'transport="ws",state="session"')).toBe(0);
    expect(sample(during, 'super_server_sessions')).toBe(2);
    expect(sample(during, 'super_server_processes')).toBe(1);
    expect(sample(during, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);

    // Bob goes offline; two messages wait for him and are replayed at his next login.
    bob.destroy();
    await pollUntil(async () => sample(await scrape(), 'super_server_sessions') === 1, 2_000);
    for (const text of ['four', 'five']) expectOk(await alice.call('msg', ['mt_bob', text]), 'msg');
    bob = await loginClient(port, 'mt_bob', PASSWORD);
    for (let i = 0; i < 2; i++) expect((await bob.nextEvent('message')).data.replayed).toBe(true);
    await bob.nextEvent('synced');
    const after = await scrape();
    expect(
      sample(after, 'super_server_messages_replayed_total') -
        sample(during, 'super_server_messages_replayed_total'),
    ).toBe(2);
    expect(
      sample(after, 'super_server_messages_stored_total', 'kind="direct"') -
        sample(before, 'super_server_messages_stored_total', 'kind="direct"'),
    ).toBe(5);

    // A group message is stored once, as kind group, and delivered to the one other member.
    expectOk(await alice.call('message_group', ['#global', 'to everyone']), 'message_group');
    expect((await bob.nextEvent('message')).data.conv).toBe('#global');
    const end = await scrape();
    const since = (name: string, labels = '') =>
      sample(end, name, labels) - sample(after, name, labels);
    expect(since('super_server_messages_stored_total', 'kind="group"')).toBe(1);
    expect(since('super_server_messages_stored_total', 'kind="direct"')).toBe(0);
    expect(since(`${REQUESTS}_count`, 'action="message_group",outcome="ok"')).toBe(1);

    // Nothing about who: no username, email, password, token, group name or message text.
    for (const secret of [
      'mt_alice',
      'mt_bob',
      'mt_nobody',
      emailFor('mt_alice'),
      PASSWORD,
      'three',
      'to everyone',
      '#global',
      waiting.helloToken ?? 'none',
    ]) {
      expect(end, secret).not.toContain(secret);
    }
    expect(end).not.toContain(alice.token ?? 'none');
  });

  it('keeps a real event-loop lag histogram that grows every 10 ms', async () => {
    const first = parseHistogram(await scrape(), 'super_server_eventloop_lag_seconds');
    expect(first?.buckets.at(-1)?.le).toBe(Infinity);
    expect(first?.buckets.at(-1)?.count).toBe(first?.count);
    const grew = await pollUntil(async () => {
      const again = parseHistogram(await scrape(), 'super_server_eventloop_lag_seconds');
      return (again?.count ?? 0) > (first?.count ?? 0);
    }, 2_000);
    expect(grew).toBe(true);
  });

  it('answers /healthz, 404 elsewhere and 405 for other methods', async () => {
    const url = (path: string) => `http://127.0.0.1:${server().metricsPort}${path}`;
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const health = await fetch(url('/healthz'));
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect((await fetch(url('/nothing'))).status).toBe(404);
    const post = await fetch(url('/metrics'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('slow consumers', () => {
  const server = useServer({
    args: ['--metrics-port', '0'],
    config: { limits: { send_queue_bytes: 65_536 } },
  });

  it('count a client dropped for not reading', async () => {
    const scrape = async () =>
      (await fetch(`http://127.0.0.1:${server().metricsPort}/metrics`)).text();
    const sender = await registerClient(server().port, 'mt_fast', PASSWORD, emailFor('mt_fast'));
    const receiver = await registerClient(server().port, 'mt_slow', PASSWORD, emailFor('mt_slow'));
    receiver.pause();
    const text = '😀'.repeat(4_000); // 16 KB, the longest text allowed
    let dropped = false;
    // Bounded: the socket buffers fill within a few MB, far below 2,000 × 16 KB.
    for (let i = 0; i < 2_000 && !dropped; i++) {
      const r = expectOk(await sender.call('msg', ['mt_slow', text]), 'msg');
      dropped = r.data.delivered === false;
    }
    expect(dropped).toBe(true);
    const page = await scrape();
    expect(sample(page, 'super_server_slow_consumer_drops_total', 'transport="tcp"')).toBe(1);
    expect(sample(page, 'super_server_slow_consumer_drops_total', 'transport="ws"')).toBe(0);
    const reason = 'transport="tcp",reason="slow_consumer"';
    expect(sample(page, 'super_server_disconnects_total', reason)).toBe(1);
  });
});

describe('bad frames and disconnects', () => {
  const server = useServer({ args: ['--metrics-port', '0'] });
  const scrape = async () =>
    (await fetch(`http://127.0.0.1:${server().metricsPort}/metrics`)).text();
  const BAD = 'super_server_bad_frames_total';
  const GONE = 'super_server_disconnects_total';

  it('are counted by kind and by reason, per transport', async () => {
    const before = await scrape();
    // Every series is there from the start, also for what never happened.
    expect(before).toContain(`${BAD}{transport="ws",kind="binary"} 0`);
    expect(before).toContain(`${GONE}{transport="tcp",reason="account_deleted"} 0`);

    const tcp = await connectClient(server().port);
    tcp.sendFrame('{broken');
    expect(codeOf(await tcp.nextReply())).toBe('bad_json');
    tcp.sendFrame('{"action":"ping","tag":"e1","data":{}}');
    expect(codeOf(await tcp.nextReply())).toBe('bad_request');
    tcp.sendFrame(paddedPing(5_000, 'big'));
    expect(codeOf(await tcp.nextReply())).toBe('frame_too_large');
    await tcp.waitClosed();

    const http = server().httpPort ?? 0;
    const binary = new WsTestClient();
    await binary.connect(http);
    binary.sendRaw(Buffer.from('{"action":"ping","tag":"b1","data":[]}'));
    expect(codeOf(await binary.nextReply())).toBe('bad_request');
    await binary.waitClosed();
    // Past what the ws library reads at all: it closes before the server sees the message.
    const huge = new WsTestClient();
    await huge.connect(http);
    huge.sendFrame('x'.repeat(200_000));
    await huge.waitClosed();

    const bye = await registerClient(server().port, 'mt_bye', PASSWORD, emailFor('mt_bye'));
    bye.call('logout').catch(() => {});
    expect((await bye.nextEvent('disconnect')).data.reason).toBe('logged_out');
    const wsBye = await registerClient({ ws: http }, 'mt_wsbye', PASSWORD, emailFor('mt_wsbye'));
    wsBye.call('logout').catch(() => {});
    expect((await wsBye.nextEvent('disconnect')).data.reason).toBe('logged_out');

    const after = await scrape();
    const delta = (name: string, labels: string) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta(BAD, 'transport="tcp",kind="invalid_json"')).toBe(1);
    expect(delta(BAD, 'transport="tcp",kind="invalid_envelope"')).toBe(1);
    expect(delta(BAD, 'transport="tcp",kind="too_long"')).toBe(1);
    expect(delta(BAD, 'transport="tcp",kind="binary"')).toBe(0);
    expect(delta(BAD, 'transport="ws",kind="binary"')).toBe(1);
    expect(delta(BAD, 'transport="ws",kind="too_long"')).toBe(1);
    expect(delta(BAD, 'transport="ws",kind="invalid_json"')).toBe(0);
    expect(delta(GONE, 'transport="tcp",reason="logged_out"')).toBe(1);
    expect(delta(GONE, 'transport="ws",reason="logged_out"')).toBe(1);
    expect(delta(GONE, 'transport="tcp",reason="too_many_errors"')).toBe(0);
  });
});
