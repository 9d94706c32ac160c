// The SDK on stored conversations: it acks what it hands over (the server's cursor moves),
// drops replayed duplicates, pages history and conversations, and marks read.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage, Client } from '../../src/client/index.ts';
import { closeAllClients } from '../protocol/client.ts';
import { cleanup, useServer } from '../protocol/harness.ts';
import { loginAndReplay } from '../protocol/stored.ts';
import { closeDurable, connectAndLogin, cuttableClient, inbox, until } from './durable.ts';
import { closeAllSdk, nextEvent, PASS, registerSdk } from './helpers.ts';

afterEach(() => {
  closeAllSdk();
  closeDurable();
  closeAllClients();
});
afterAll(cleanup);

/** Sends `n` messages `m0…` from `from` to `to`, `window` at a time. */
async function send(from: Client, to: string, n: number, window = 50) {
  for (let i = 0; i < n; i += window) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + window); j++) batch.push(from.messageUser(to, `m${j}`));
    await Promise.all(batch);
  }
}

describe('sdk: stored conversations', () => {
  const server = useServer();
  const port = () => server().port;

  it('acks what it hands over, so the next login replays nothing', async () => {
    const { client: a } = await registerSdk(port(), 'ack_a');
    const { name: b, client: first } = await registerSdk(port(), 'ack_b');
    first.close();
    await send(a, b, 5);
    const { client: cb } = cuttableClient({ ackDelayMs: 20 });
    const got = inbox(cb);
    const acked = new Promise<{ conv: string; seq: number }>((resolve) =>
      cb.on('acked', (x) => x.seq === 5 && resolve(x)),
    );
    await connectAndLogin(cb, port(), b);
    expect((await acked).seq).toBe(5);
    expect(got.map((m) => [m.text, m.replayed])).toEqual(
      Array.from({ length: 5 }, (_, i) => [`m${i}`, true]),
    );
    cb.close();
    // The server's cursor moved: a plain login gets no replay.
    const again = await loginAndReplay(port(), b, PASS);
    expect(again.synced).toEqual({ replayed: 0, more: false });
  });

  it('hands a message replayed after a reconnect to the application once', async () => {
    const { client: a } = await registerSdk(port(), 'dup_a');
    const { name: b, client: first } = await registerSdk(port(), 'dup_b');
    first.close();
    await send(a, b, 3);
    const { client: cb, cut } = cuttableClient({
      autoAck: false,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const got = inbox(cb);
    let onWire = 0;
    cb.on('event', (ev) => {
      if (ev.event === 'message') onWire++;
    });
    const synced: unknown[] = [];
    cb.on('synced', (s) => synced.push(s));
    await connectAndLogin(cb, port(), b);
    await until(cb, () => synced.length === 1, 'the first replay');
    const offline = nextEvent(cb, 'offline');
    const online = nextEvent(cb, 'online');
    cut();
    expect((await offline).reason).toBe('connection_lost');
    expect((await online).username).toBe(b);
    await until(cb, () => synced.length === 2, 'the replay after the reconnect');
    // Not acked, so the server sent all three again; the application saw them once.
    expect(synced).toEqual([
      { replayed: 3, more: false },
      { replayed: 3, more: false },
    ]);
    expect(onWire).toBe(6);
    expect(got).toHaveLength(3);
    await a.messageUser(b, 'live');
    await until(cb, () => got.length === 4, 'the live message');
    expect(got.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(got[3]).toMatchObject({ text: 'live', seq: 4 });
    expect(got[3]?.replayed).toBeUndefined();
  });

  it('answers a resend of a stored client_id with the original message', async () => {
    const { client: a } = await registerSdk(port(), 'cid_a');
    const { name: b } = await registerSdk(port(), 'cid_b');
    const one = await a.messageUser(b, 'once', { clientId: 'retry-1' });
    const two = await a.messageUser(b, 'once', { clientId: 'retry-1' });
    expect(two).toEqual({ ...one, duplicate: true });
    const auto = await a.messageUser(b, 'next');
    expect(auto.seq).toBe(one.seq + 1);
    const h = await a.historyPage(`@${b}`);
    expect(h.messages.map((m) => [m.text, m.client_id])).toEqual([
      ['once', 'retry-1'],
      ['next', expect.stringMatching(/^[0-9a-f]{32}$/)],
    ]);
  });

  it('pages history back through 250 messages without gaps or repeats', async () => {
    const { client: a } = await registerSdk(port(), 'his_a');
    const { name: b } = await registerSdk(port(), 'his_b');
    await send(a, b, 250);
    const seen: ChatMessage[] = [];
    for await (const m of a.history(`@${b}`, { pageSize: 60 })) seen.push(m);
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 250 }, (_, i) => 250 - i));
    expect(seen[0]).toMatchObject({ text: 'm249', to: b });
    // Stopping early and starting below a position.
    const some: number[] = [];
    for await (const m of a.history(`@${b}`, { beforeSeq: 11, pageSize: 4 })) {
      some.push(m.seq);
      if (some.length === 6) break;
    }
    expect(some).toEqual([10, 9, 8, 7, 6, 5]);
    expect((await a.historyPage(`@${b}`, 3)).messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('lists conversations with unread counts and marks them read, with a receipt', async () => {
    const { name: a, client: ca } = await registerSdk(port(), 'cv_a');
    const { name: c, client: cc } = await registerSdk(port(), 'cv_c');
    const { name: b, client: cb } = await registerSdk(port(), 'cv_b');
    await send(ca, b, 3);
    await cc.messageUser(b, 'from c');
    const list = [];
    for await (const conv of cb.conversations(1)) list.push(conv);
    // Every account is a member of #global (no messages there yet: it comes last).
    expect(list.map((x) => [x.title, x.unread, x.kind])).toEqual([
      [c, 1, 'direct'],
      [a, 3, 'direct'],
      ['#global', 0, 'group'],
    ]);
    expect(list[1]?.last).toMatchObject({ text: 'm2', seq: 3 });
    const receipt = nextEvent(ca, 'read');
    const conv = list[1]?.conv as string;
    expect(await cb.markRead(conv, 3)).toEqual({ conv, read_seq: 3, unread: 0 });
    expect(await receipt).toEqual({ conv, seq: 3, by: b });
    expect((await cb.conversationsPage(10)).conversations.map((x) => x.unread)).toEqual([1, 0, 0]);
  });
});

describe('sdk: a backlog above the replay limit', () => {
  const server = useServer({ config: { messages: { replay_limit: 5 } } });

  it('fetches the rest with sync by itself, each message once and in order', async () => {
    const { client: a } = await registerSdk(server().port, 'big_a');
    const { name: b, client: first } = await registerSdk(server().port, 'big_b');
    first.close();
    await send(a, b, 12);
    const { client: cb } = cuttableClient();
    const got = inbox(cb);
    const synced: unknown[] = [];
    cb.on('synced', (s) => synced.push(s));
    await connectAndLogin(cb, server().port, b);
    await until(cb, () => synced.length === 3, 'the backlog');
    expect(synced).toEqual([
      { replayed: 5, more: true },
      { replayed: 5, more: true },
      { replayed: 2, more: false },
    ]);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await a.messageUser(b, 'after');
    await until(cb, () => got.length === 13, 'the live message');
    expect(got[12]).toMatchObject({ seq: 13, text: 'after' });
  });
});
