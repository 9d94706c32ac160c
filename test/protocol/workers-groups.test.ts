// `--workers 2` with groups: members on both processes get every group message once,
// in order; a kick on one process silences the member's session on the other at once;
// a delete reaches the members of both.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, type TestClient } from './client.ts';
import { groupMessages, memberEvent, ok, waitMessages } from './groups-support.ts';
import { cleanup, type SeedUser, startServer } from './harness.ts';
import { loginAndReplay } from './stored.ts';
import { emailFor, PASSWORD, sleep } from './util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const NAMES = ['wg_ann', 'wg_ben', 'wg_cat', 'wg_dan'];
const USERS: SeedUser[] = NAMES.map((username) => ({
  username,
  email: emailFor(username),
  password: PASSWORD,
}));
const CONV = '#workers';

describe('--workers 2, one group with members on both processes', () => {
  it('fans out across processes in order, and kicks and deletes reach both', async () => {
    const server = await startServer({ users: USERS, args: ['--workers', '2'] });
    // Consecutive connections go to the two workers in turn: ann, cat on one; ben, dan on the other.
    const c: TestClient[] = [];
    for (const name of NAMES) c.push((await loginAndReplay(server.port, name, PASSWORD)).client);
    const [ann, ben, cat, dan] = c as [TestClient, TestClient, TestClient, TestClient];
    await ok(ann, 'create_group', [CONV]);
    for (const m of [ben, cat, dan]) await ok(m, 'join_group', [CONV]);
    await memberEvent(ben, 'joined', 'wg_dan');
    const N = 100;
    const send = async (from: TestClient, prefix: string) => {
      const seqs: number[] = [];
      for (let i = 0; i < N; i += 10) {
        const batch = Array.from({ length: 10 }, (_, j) =>
          ok(from, 'message_group', [CONV, `${prefix}${i + j}`]),
        );
        for (const r of await Promise.all(batch)) seqs.push(r.seq);
      }
      return seqs;
    };
    const [fromAnn, fromBen] = await Promise.all([send(ann, 'a'), send(ben, 'b')]);
    expect([...fromAnn, ...fromBen].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 2 * N }, (_, i) => i + 1),
    );
    const views: Array<[TestClient, number[]]> = [
      [cat, []],
      [dan, []],
      [ann, fromAnn],
      [ben, fromBen],
    ];
    for (const [client, own] of views) {
      const got = await waitMessages(client, CONV, 2 * N - own.length);
      const seqs = got.map((m) => m.data.seq as number);
      const expected = Array.from({ length: 2 * N }, (_, i) => i + 1).filter(
        (s) => !own.includes(s),
      );
      expect(seqs).toEqual(expected);
    }
    // ann (one process) kicks dan (the other): dan's session stops receiving at once.
    await ok(ann, 'group_kick', [CONV, 'wg_dan']);
    await memberEvent(dan, 'kicked', 'wg_dan');
    const late = await ok(cat, 'message_group', [CONV, 'after the kick']);
    await waitMessages(ben, CONV, 2 * N - fromBen.length + 1);
    await sleep(100);
    expect(groupMessages(dan, CONV).some((m) => m.data.seq === late.seq)).toBe(false);
    // Deleting tells the members on both processes.
    expect(await ok(ann, 'delete_group', [CONV])).toBe('deleted');
    for (const m of [ben, cat]) {
      expect(await memberEvent(m, 'deleted')).toMatchObject({ conv: CONV, by: 'wg_ann' });
    }
  }, 60_000);
});
