// Read markers (peer_read_seq in `conversations`): only the two users of a direct
// conversation learn how far the other has read; a third user, paging as they like, never
// sees their conversation, and groups and notes to self carry no marker of anyone.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, registerClient } from '../protocol/client.ts';
import { cleanup, useServer } from '../protocol/harness.ts';
import { codeOf, emailFor, expectOk, PASSWORD, uniqueName } from '../protocol/util.ts';

afterEach(closeAllClients);
afterAll(cleanup);

interface Entry {
  conv: string;
  kind: string;
  peer_read_seq?: number;
}

describe('read markers of others', () => {
  const server = useServer();
  const port = () => server().port;

  it('are told to the other user of a direct conversation and to no one else', async () => {
    const [a, b, c] = [uniqueName('ra'), uniqueName('rb'), uniqueName('rc')];
    const ca = await registerClient(port(), a, PASSWORD, emailFor(a));
    const cb = await registerClient(port(), b, PASSWORD, emailFor(b));
    const cc = await registerClient(port(), c, PASSWORD, emailFor(c));
    const sent = expectOk(await ca.call('msg', [b, 'private']), 'msg');
    const conv = sent.data.conv as string;
    await cb.nextEvent('message');
    expectOk(await cb.call('mark_read', [conv, 1]), 'mark_read');
    expectOk(await cc.call('msg', [c, 'a note to self']), 'msg');
    const forA = expectOk(await ca.call('conversations'), 'conversations').data.conversations;
    expect(forA.find((e: Entry) => e.conv === conv)).toMatchObject({ peer_read_seq: 1 });
    // The third user, whatever the page size or cursor (the pair's conv too): never the
    // pair's conversation, and no read marker at all (#global and notes to self have none).
    const seen: Entry[] = [];
    for (const args of [[], [1], [1000], [1000, conv], [1000, '']]) {
      const r = await cc.call('conversations', args);
      if (r.ok) seen.push(...(r.data.conversations as Entry[]));
      else expect(codeOf(r)).toBe('invalid_input');
    }
    expect(seen.map((e) => e.conv)).not.toContain(conv);
    expect(seen.filter((e) => 'peer_read_seq' in e)).toEqual([]);
    for (const e of seen) expect(['group', 'direct']).toContain(e.kind);
    expect(codeOf(await cc.call('mark_read', [conv, 1]))).toBe('not_found');
    expect(codeOf(await cc.call('history', [conv]))).toBe('not_found');
  });
});
