// The promise of section C with a killed server: every message whose sender got
// `ok` reaches the recipient, in seq order, none missing, across several kill -9.
// TCP only: what is tested is the storage's commit before the reply, which is the same
// Connection code for both transports; the replay over WebSocket is in cases/conversations.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient, type TestClient } from './client.ts';
import { cleanup, type SeedUser, startServer } from './harness.ts';
import { loginAndReplay, messagesIn } from './stored.ts';
import { emailFor, expectOk, PASSWORD, sleep } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const USERS: SeedUser[] = [
  { username: 'kd_sender', email: emailFor('kd_sender'), password: PASSWORD },
  { username: 'kd_reader', email: emailFor('kd_reader'), password: PASSWORD },
];

/** Keeps `window` sends in flight until the connection dies; returns the ok replies. */
function flood(c: TestClient, to: string, round: number, window: number) {
  const ok: Array<{ seq: number; text: string }> = [];
  let i = 0;
  return new Promise<typeof ok>((resolve) => {
    let inFlight = 0;
    const next = () => {
      while (inFlight < window && !c.isClosed) {
        const text = `r${round}-${i++}`;
        inFlight++;
        c.call('msg', [to, text], 20_000).then(
          (r) => {
            inFlight--;
            if (r.ok) ok.push({ seq: r.data.seq, text });
            next();
          },
          () => {
            inFlight--;
            if (inFlight === 0) resolve(ok);
          },
        );
      }
      if (c.isClosed && inFlight === 0) resolve(ok);
    };
    next();
  });
}

describe('kill -9 while a sender sends as fast as it can', () => {
  it('loses no message that was answered ok, over three kills', async () => {
    let server = await startServer({ users: USERS });
    const dataDir = server.dataDir;
    const epoch = (await loginClient(server.port, 'kd_reader', PASSWORD)).received[0]?.data.epoch;
    closeAllClients();
    const acknowledged: Array<{ seq: number; text: string }> = [];
    for (let round = 0; round < 3; round++) {
      const sender = await loginClient(server.port, 'kd_sender', PASSWORD);
      const sending = flood(sender, 'kd_reader', round, 32);
      await sleep(300 + Math.floor(Math.random() * 1_200));
      server.proc.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      const ok = await sending;
      expect(ok.length, `round ${round}: some sends were answered before the kill`).toBeGreaterThan(
        0,
      );
      acknowledged.push(...ok);
      server = await startServer({ dataDir });
    }
    const { client, replayed, synced } = await loginAndReplay(server.port, 'kd_reader', PASSWORD);
    expect(client.received[0]?.data.epoch).toBe(epoch);
    let more = synced.more;
    while (more) more = expectOk(await client.call('sync', [], 30_000), 'sync').data.more;
    const got = messagesIn(client.received);
    expect(got.length).toBeGreaterThanOrEqual(replayed.length);
    const seqs = got.map((m) => m.data.seq as number);
    // Gapless and in order: 1, 2, 3, … with nothing twice in this session.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const textAt = new Map(got.map((m) => [m.data.seq as number, m.data.text as string]));
    const missing = acknowledged.filter((a) => textAt.get(a.seq) !== a.text);
    expect(missing, `${acknowledged.length} acknowledged sends`).toEqual([]);
  }, 90_000);
});
