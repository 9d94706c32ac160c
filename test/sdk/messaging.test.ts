// Two SDK clients registered through register() exchange direct messages both ways.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/client/index.ts';
import { cleanup, useServer } from '../protocol/harness.ts';
import { closeAllSdk, nextEvent, registerSdk } from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

describe('sdk messaging', () => {
  const server = useServer();

  it('delivers messages both ways with matching ids', async () => {
    const a = await registerSdk(server().port, 'sdk_a');
    const b = await registerSdk(server().port, 'sdk_b');
    expect(a.client.isLoggedIn).toBe(true);
    expect(a.client.username).toBe(a.name);
    expect(a.client.level).toBe('basic');

    const atB = nextEvent(b.client, 'message');
    const sent = await a.client.messageUser(b.name, 'hello from a ✓');
    expect(sent.delivered).toBe(true);
    const got: ChatMessage = await atB;
    expect(got).toMatchObject({ id: sent.id, from: a.name, to: b.name, text: 'hello from a ✓' });
    expect(typeof got.sent_at).toBe('string');

    const atA = nextEvent(a.client, 'message');
    const back = await b.client.messageUser(a.name, 'and back');
    const reply = await atA;
    expect(reply).toMatchObject({ id: back.id, from: b.name, to: a.name, text: 'and back' });
    expect(back.id).not.toBe(sent.id);
  });

  it('streams events through the async iterator', async () => {
    const a = await registerSdk(server().port, 'sdk_it_a');
    const b = await registerSdk(server().port, 'sdk_it_b');
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const ev of b.client.events()) {
        if (ev.event === 'message') seen.push(`message:${ev.data.text}`);
        // The login's `synced` may arrive before or after the iterator starts.
        else if (ev.event !== 'synced') seen.push(ev.event);
      }
    })();
    await a.client.messageUser(b.name, 'one');
    await a.client.messageUser(b.name, 'two');
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(2);
    b.client.close();
    await consumer;
    expect(seen).toEqual(['message:one', 'message:two', 'close']);
  });
});
