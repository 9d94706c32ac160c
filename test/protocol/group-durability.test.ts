// Section C's promise for a group, with a killed server: every group message whose
// sender got `ok` reaches every member, in seq order, none missing, across kill -9s.
// TCP only, like durability.test.ts: it tests the storage under a crash, not the wire.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient, type TestClient } from './client.ts';
import { ok } from './groups-support.ts';
import { cleanup, type SeedUser, startServer } from './harness.ts';
import { loginAndReplay, messagesIn } from './stored.ts';
import { emailFor, expectOk, PASSWORD, sleep } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const READERS = ['gd_reader1', 'gd_reader2', 'gd_reader3'];
const USERS: SeedUser[] = ['gd_sender', ...READERS].map((username) => ({
  username,
  email: emailFor(username),
  password: PASSWORD,
}));
const CONV = '#durable';

/** Keeps `window` group sends in flight until the connection dies; returns the ok replies. */
function flood(c: TestClient, round: number, window: number) {
  const done: Array<{ seq: number; text: string }> = [];
  let i = 0;
  return new Promise<typeof done>((resolve) => {
    let inFlight = 0;
    const next = () => {
      while (inFlight < window && !c.isClosed) {
        const text = `r${round}-${i++}`;
        inFlight++;
        c.call('message_group', [CONV, text], 20_000).then(
          (r) => {
            inFlight--;
            if (r.ok) done.push({ seq: r.data.seq, text });
            next();
          },
          () => {
            inFlight--;
            if (inFlight === 0) resolve(done);
          },
        );
      }
      if (c.isClosed && inFlight === 0) resolve(done);
    };
    next();
  });
}

describe('kill -9 while a member floods a group', () => {
  it('loses no group message that was answered ok, for any member, over three kills', async () => {
    let server = await startServer({ users: USERS });
    const dataDir = server.dataDir;
    const sender = await loginClient(server.port, 'gd_sender', PASSWORD);
    await ok(sender, 'create_group', [CONV]);
    for (const name of READERS) {
      const r = await loginClient(server.port, name, PASSWORD);
      await ok(r, 'join_group', [CONV]);
    }
    closeAllClients();
    const acknowledged: Array<{ seq: number; text: string }> = [];
    for (let round = 0; round < 3; round++) {
      // One member is online through the flood (fan-out under the kill), the others are not.
      await loginClient(server.port, READERS[0] as string, PASSWORD);
      const c = await loginClient(server.port, 'gd_sender', PASSWORD);
      const sending = flood(c, round, 32);
      await sleep(300 + Math.floor(Math.random() * 1_200));
      server.proc.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      const sent = await sending;
      expect(sent.length, `round ${round}: some sends were answered`).toBeGreaterThan(0);
      acknowledged.push(...sent);
      closeAllClients();
      server = await startServer({ dataDir });
    }
    for (const name of READERS) {
      const { client } = await loginAndReplay(server.port, name, PASSWORD);
      for (let more = true; more; ) {
        more = expectOk(await client.call('sync', [], 30_000), 'sync').data.more;
      }
      const got = messagesIn(client.received).filter((m) => m.data.conv === CONV);
      const seqs = got.map((m) => m.data.seq as number);
      // Gapless and in order from 1 (no ack was ever sent), nothing twice in this session.
      expect(seqs, name).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      const textAt = new Map(got.map((m) => [m.data.seq as number, m.data.text as string]));
      const missing = acknowledged.filter((a) => textAt.get(a.seq) !== a.text);
      expect(missing, `${name}: ${acknowledged.length} acknowledged sends`).toEqual([]);
      client.destroy();
    }
  }, 120_000);
});
