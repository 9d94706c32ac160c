// A real server process on PostgreSQL storage (storage.driver postgres): accounts, messages,
// replay and history as on SQLite; and a PostgreSQL outage answers server_busy (never ok for a
// message it could not commit) and the server recovers by itself when PostgreSQL is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresService, postgresMissing, startPostgres } from '../services/postgres.ts';
import { closeAllClients, registerClient } from './client.ts';
import { type ServerHandle, startServer } from './harness.ts';
import { loginAndReplay } from './stored.ts';
import { codeOf, emailFor, expectOk, PASSWORD, sleep, uniqueName } from './util.ts';

const SECRET = 'pg-url-secret-7f3a';
const missing = postgresMissing();
if (missing) console.log(`PostgreSQL server tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)('server on PostgreSQL storage', () => {
  let pg: PostgresService | undefined;
  let server: ServerHandle | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
    // The test server trusts every local connection, so any password works; it must never show.
    const url = (await pg.createDatabase()).replace('postgres@', `postgres:${SECRET}@`);
    server = await startServer({
      config: {
        storage: { driver: 'postgres', postgres_url: url, postgres_statement_timeout_s: 2 },
      },
    });
  }, 120_000);
  afterAll(async () => {
    closeAllClients();
    try {
      await server?.stop();
    } finally {
      pg?.stop();
    }
  });
  const port = () => (server as ServerHandle).port;

  it('registers, logs in, stores for an offline user, replays and pages history', async () => {
    const a = uniqueName('pa');
    const b = uniqueName('pb');
    const ca = await registerClient(port(), a, PASSWORD, emailFor(a));
    const cb = await registerClient(port(), b, PASSWORD, emailFor(b));
    cb.destroy();
    await sleep(50);
    const sent = [];
    for (let i = 0; i < 3; i++)
      sent.push(expectOk(await ca.call('msg', [b, `m${i}`, `c${i}`]), 'msg'));
    expect(sent.map((r) => r.data.seq)).toEqual([1, 2, 3]);
    expect(sent[0]?.data).toMatchObject({ delivered: false });
    const again = expectOk(await ca.call('msg', [b, 'm0', 'c0']), 'msg');
    expect(again.data).toEqual({ ...sent[0]?.data, duplicate: true });
    const { client, replayed, synced } = await loginAndReplay(port(), b, PASSWORD);
    expect(synced).toEqual({ replayed: 3, more: false });
    expect(replayed.map((m) => m.data.text)).toEqual(['m0', 'm1', 'm2']);
    const h = expectOk(await client.call('history', [`@${a}`]), 'history');
    expect(h.data.messages.map((m: { text: string; from: string }) => [m.from, m.text])).toEqual([
      [a, 'm0'],
      [a, 'm1'],
      [a, 'm2'],
    ]);
  });

  /** Two new accounts, the first logged in and with one message sent to the second. */
  async function pairWithOneMessage(prefix: string) {
    const a = uniqueName(`${prefix}a`);
    const b = uniqueName(`${prefix}b`);
    const ca = await registerClient(port(), a, PASSWORD, emailFor(a));
    await registerClient(port(), b, PASSWORD, emailFor(b));
    expectOk(await ca.call('msg', [b, 'before', `${prefix}1`]), 'msg before the outage');
    return { ca, b, service: pg as PostgresService };
  }

  it('answers server_busy while PostgreSQL is down and recovers by itself', async () => {
    const { ca, b, service } = await pairWithOneMessage('o');
    service.crash();
    // Nothing can be committed now: every send is refused, none is acknowledged.
    const during = [];
    for (let i = 0; i < 3; i++) during.push(codeOf(await ca.call('msg', [b, `lost${i}`, `d${i}`])));
    expect(during).toEqual(['server_busy', 'server_busy', 'server_busy']);
    await service.restart();
    // The pool reconnects on its own; the first sends may still meet a dead connection.
    let after = '';
    for (let i = 0; i < 40 && after !== 'OK'; i++) {
      const r = await ca.call('msg', [b, 'after', 'o2']);
      after = codeOf(r);
      if (after !== 'OK') {
        expect(after).toBe('server_busy');
        await sleep(250);
      }
    }
    expect(after).toBe('OK');
    expect(server?.proc.exitCode).toBeNull();
    const h = expectOk(await ca.call('history', [`@${b}`]), 'history');
    expect(h.data.messages.map((m: { text: string }) => m.text)).toEqual(['before', 'after']);
    // The outage was logged, and the database password with it nowhere.
    const output = `${server?.output.stdout}${server?.output.stderr}`;
    expect(output).toContain('storage unavailable');
    expect(output).not.toContain(SECRET);
  }, 120_000);
  it('answers server_busy while PostgreSQL hangs (no answer, no reset), and recovers after', async () => {
    const { ca, b, service } = await pairWithOneMessage('h');
    service.freeze();
    try {
      // One commit runs at a time: the hung one must fail (statement timeout 2 s), not hold
      // every later send. Both answer server_busy; neither is acknowledged.
      const during = await Promise.all([
        ca.call('msg', [b, 'hung1', 'h2'], 30_000),
        ca.call('msg', [b, 'hung2', 'h3'], 30_000),
      ]);
      expect(during.map(codeOf)).toEqual(['server_busy', 'server_busy']);
      // The rest of the server keeps working meanwhile.
      expect(codeOf(await ca.call('ping'))).toBe('OK');
    } finally {
      service.thaw();
    }
    let after = '';
    for (let i = 0; i < 40 && after !== 'OK'; i++) {
      after = codeOf(await ca.call('msg', [b, 'after', 'h4'], 30_000));
      if (after !== 'OK') {
        expect(after).toBe('server_busy');
        await sleep(250);
      }
    }
    expect(after).toBe('OK');
    const h = expectOk(await ca.call('history', [`@${b}`]), 'history');
    const texts = h.data.messages.map((m: { text: string }) => m.text);
    // A hung statement may still have committed once PostgreSQL woke (its answer was lost, the
    // sender heard server_busy and would resend the same client_id): never out of order.
    expect(texts[0]).toBe('before');
    expect(texts.at(-1)).toBe('after');
    expect(texts.filter((t: string) => t.startsWith('hung')).length).toBeLessThanOrEqual(2);
  }, 120_000);
});
