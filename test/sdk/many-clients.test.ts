// 200 SDK clients in one process: all register (logged in) and each gets the message sent to it.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage, Client } from '../../src/client/index.ts';
import { cleanup, useServer } from '../protocol/harness.ts';
import { closeAllSdk, nextEvent, registerSdk, within } from './helpers.ts';

afterEach(closeAllSdk);
afterAll(cleanup);

const CLIENTS = 200;
/** Registrations in flight at once: under the server's hash queue (4 running + 64 waiting). */
const BATCH = 50;

describe('sdk at scale', () => {
  const server = useServer();

  it(`${CLIENTS} clients log in and each receives its message`, async () => {
    const started = Date.now();
    const users: { name: string; client: Client }[] = [];
    for (let i = 0; i < CLIENTS; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, CLIENTS - i) }, () =>
        registerSdk(server().port, 'sdk_many'),
      );
      users.push(...(await within(Promise.all(batch), 20_000, `registering batch at ${i}`)));
    }
    const registeredMs = Date.now() - started;
    expect(users.every((u) => u.client.isLoggedIn)).toBe(true);
    const who = await users[0]?.client.who();
    expect(who?.total).toBe(CLIENTS);

    const inbox = users.map((u) => nextEvent(u.client, 'message', 15_000));
    const sent = await within(
      Promise.all(
        users.map((u, i) => {
          const to = users[(i + 1) % CLIENTS]?.name ?? '';
          return u.client.messageUser(to, `hello ${to} from ${u.name}`);
        }),
      ),
      15_000,
      'sending',
    );
    const received: ChatMessage[] = await within(Promise.all(inbox), 15_000, 'receiving');
    received.forEach((m, i) => {
      const from = users[(i + CLIENTS - 1) % CLIENTS];
      const me = users[i];
      expect(m).toMatchObject({
        from: from?.name,
        to: me?.name,
        text: `hello ${me?.name} from ${from?.name}`,
      });
      expect(m.id).toBe(sent[(i + CLIENTS - 1) % CLIENTS]?.id);
    });
    expect(sent.every((s) => s.delivered)).toBe(true);
    // Not a timing assertion: a generous bound that proves nothing stalls.
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(registeredMs).toBeLessThan(40_000);
  }, 60_000);
});
