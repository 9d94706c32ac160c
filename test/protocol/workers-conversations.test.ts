// `--workers 2` with stored conversations: two processes writing one conversation keep
// its seq gapless, and each session sees the other side in order, none twice, none own.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, type TestClient } from './client.ts';
import { cleanup, type SeedUser, startServer } from './harness.ts';
import { loginAndReplay, messagesIn, sendMany } from './stored.ts';
import { emailFor, expectOk, PASSWORD, pollUntil } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const USERS: SeedUser[] = ['wc_ann', 'wc_ben'].map((username) => ({
  username,
  email: emailFor(username),
  password: PASSWORD,
}));

describe('--workers 2, one conversation written by both', () => {
  it('keeps seq gapless across processes and in order in every session', async () => {
    const server = await startServer({ users: USERS, args: ['--workers', '2'] });
    // Consecutive connections go to the two workers in turn.
    const ann = (await loginAndReplay(server.port, 'wc_ann', PASSWORD)).client;
    const ben = (await loginAndReplay(server.port, 'wc_ben', PASSWORD)).client;
    const N = 300;
    const [fromAnn, fromBen] = await Promise.all([
      sendMany(ann, 'wc_ben', N, 16, (i) => `a${i}`),
      sendMany(ben, 'wc_ann', N, 16, (i) => `b${i}`),
    ]);
    const all = [...fromAnn, ...fromBen].map((r) => r.seq).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
    const check = async (c: TestClient, me: string, other: Array<{ seq: number }>) => {
      const done = await pollUntil(async () => {
        await c.call('ping');
        return messagesIn(c.received).filter((m) => m.data.from !== me).length >= N;
      }, 10_000);
      expect(done).toBe(true);
      const got = messagesIn(c.received);
      const seqs = got.map((m) => m.data.seq as number);
      expect(
        [...seqs].sort((x, y) => x - y),
        'in seq order, none twice',
      ).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(
        got.filter((m) => m.data.from === me).map((m) => m.data.seq),
        'none own',
      ).toEqual([]);
      expect(seqs).toEqual(other.map((r) => r.seq));
    };
    await check(ann, 'wc_ann', fromBen);
    await check(ben, 'wc_ben', fromAnn);
    const conv = fromAnn[0]?.conv;
    const h = expectOk(await ann.call('history', [conv, null, 200]), 'history');
    expect(h.data.messages.map((m: { seq: number }) => m.seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => 2 * N - 199 + i),
    );
  }, 60_000);
});
