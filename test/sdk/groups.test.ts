// Groups through the SDK against the real server: create, join, post and receive, members,
// kick, ban, delete (and a new group under the old name), stored group conversations, and a
// group send cut off by a lost connection resent and stored once.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type ChatMessage,
  type Client,
  type GroupSent,
  type MemberEvent,
  ServerError,
} from '../../src/client/index.ts';
import { cleanup, startServer, useServer } from '../protocol/harness.ts';
import { sleep, uniqueName } from '../protocol/util.ts';
import { closeDurable, connectAndLogin, cuttableClient, inbox, until } from './durable.ts';
import { closeAllSdk, registerSdk, rejection, within } from './helpers.ts';

afterEach(() => {
  closeAllSdk();
  closeDurable();
});
afterAll(cleanup);

/** A unique group name within the 32-character limit. */
function groupName(prefix: string): string {
  return `#${uniqueName(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .slice(0, 31)}`;
}

/** Collects the `member` events `c` receives. */
function memberEvents(c: Client): MemberEvent[] {
  const got: MemberEvent[] = [];
  c.on('member', (m) => got.push(m));
  return got;
}

/** The error code of a rejected call. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(ServerError);
  return (err as ServerError).code;
}

describe('sdk: groups', () => {
  const server = useServer();
  const port = () => server().port;

  it('creates, joins, posts and receives, lists members, kicks, bans and deletes', async () => {
    const { name: a, client: ca } = await registerSdk(port(), 'ga');
    const { name: b, client: cb } = await registerSdk(port(), 'gb');
    const g = groupName('lab');
    const aEvents = memberEvents(ca);
    const bEvents = memberEvents(cb);
    const bGot = inbox(cb);

    expect(await ca.createGroup(g.slice(1).toUpperCase())).toEqual({
      conv: g,
      visibility: 'public',
      role: 'owner',
    });
    expect(await codeOf(cb.createGroup(g))).toBe('name_taken');
    expect(await cb.joinGroup(g)).toEqual({ conv: g, role: 'member' });
    await until(ca, () => aEvents.length === 1, 'alice sees bob join');
    expect(aEvents[0]).toEqual({ conv: g, username: b, change: 'joined', by: b, role: 'member' });
    expect(bEvents[0]).toMatchObject({ conv: g, username: b, change: 'joined' });

    const sent = await ca.messageGroup(g, 'hello lab');
    expect(sent).toMatchObject({ conv: g, seq: 1, online: 1 });
    expect(sent.id).toEqual(expect.any(String));
    await until(cb, () => bGot.length === 1, 'bob receives the group message');
    expect(bGot[0]).toMatchObject({ id: sent.id, conv: g, to: g, from: a, text: 'hello lab' });

    const members = [];
    for await (const m of ca.groupMembers(g, 1)) members.push(m);
    expect(members.map((m) => [m.username, m.role, m.online])).toEqual(
      [
        [a, 'owner', true],
        [b, 'member', true],
      ].sort((x, y) => String(x[0]).toLowerCase().localeCompare(String(y[0]).toLowerCase())),
    );
    const listed = [];
    for await (const x of cb.listGroups(1)) listed.push(x);
    expect(listed).toContainEqual({ conv: g, visibility: 'public', members: 2, role: 'member' });
    expect(listed).toContainEqual(expect.objectContaining({ conv: '#global' }));

    expect(await codeOf(cb.groupKick(g, a))).toBe('forbidden');
    expect(await ca.groupKick(g, b)).toEqual({ conv: g, username: b });
    await until(cb, () => bEvents.some((e) => e.change === 'kicked'), 'bob hears the kick');
    expect(bEvents.at(-1)).toEqual({ conv: g, username: b, change: 'kicked', by: a, role: null });
    expect(await codeOf(cb.messageGroup(g, 'still here?'))).toBe('forbidden');

    await cb.joinGroup(g);
    expect(await ca.groupBan(g, b)).toEqual({ conv: g, username: b, banned: true });
    expect(await codeOf(cb.joinGroup(g))).toBe('forbidden');
    expect(await ca.groupUnban(g, b)).toEqual({ conv: g, username: b, banned: false });
    await cb.joinGroup(g);
    expect(await ca.setGroupRole(g, b, 'moderator')).toEqual({
      conv: g,
      username: b,
      role: 'moderator',
    });

    const aGotOld = inbox(ca);
    await cb.messageGroup(g, 'before the end');
    await until(ca, () => aGotOld.length === 1, 'alice receives a message of the old group');
    expect(await ca.deleteGroup(g)).toBe('deleted');
    await until(cb, () => bEvents.some((e) => e.change === 'deleted'), 'bob hears the delete');
    expect(bEvents.at(-1)).toMatchObject({ conv: g, change: 'deleted', username: a });
    expect(await codeOf(cb.groupMembersPage(g))).toBe('not_found');

    // The name is free again; the new group starts at seq 1, and the SDK hands it over (it
    // forgot the old group's positions when it was deleted).
    await cb.createGroup(g, 'private');
    await cb.invite(g, a);
    await ca.joinGroup(g);
    const aGot = inbox(ca);
    expect((await cb.messageGroup(g, 'a new start')).seq).toBe(1);
    await until(ca, () => aGot.length === 1, 'alice receives seq 1 of the new group');
    expect(aGot[0]).toMatchObject({ conv: g, seq: 1, text: 'a new start' });
  });

  it('replays, acks, pages history and lists a group conversation like a direct one', async () => {
    const { client: ca } = await registerSdk(port(), 'gh_a');
    const { name: b, client: first } = await registerSdk(port(), 'gh_b');
    const g = groupName('hist');
    await ca.createGroup(g);
    await first.joinGroup(g);
    first.close();
    for (let i = 0; i < 3; i++) await ca.messageGroup(g, `h${i}`);

    const { client: cb } = cuttableClient({ ackDelayMs: 20 });
    const got = inbox(cb);
    const acked = new Promise((resolve) => cb.on('acked', (x) => x.conv === g && resolve(x)));
    await connectAndLogin(cb, port(), b);
    expect(await acked).toEqual({ conv: g, seq: 3 });
    expect(got.map((m) => [m.conv, m.text, m.replayed])).toEqual([
      [g, 'h0', true],
      [g, 'h1', true],
      [g, 'h2', true],
    ]);
    const history: ChatMessage[] = [];
    for await (const m of cb.history(g, { pageSize: 2 })) history.push(m);
    expect(history.map((m) => m.seq)).toEqual([3, 2, 1]);
    const convs = [];
    for await (const c of cb.conversations()) convs.push(c);
    expect(convs.find((c) => c.conv === g)).toMatchObject({
      kind: 'group',
      title: g,
      last_seq: 3,
      unread: 3,
    });
    expect(await cb.markRead(g, 3)).toEqual({ conv: g, read_seq: 3, unread: 0 });
  });
});

describe('sdk: group sends across a lost connection', () => {
  it('resends a group message cut off by a disconnect with its client_id; stored once', async () => {
    const srv = await startServer();
    const { name: a, client: first } = await registerSdk(srv.port, 'gr_a');
    const { client: cb } = await registerSdk(srv.port, 'gr_b');
    const g = groupName('resend');
    await first.createGroup(g);
    await cb.joinGroup(g);
    first.close();
    const bGot = inbox(cb);
    const { client: ca, cut } = cuttableClient({
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    await connectAndLogin(ca, srv.port, a);

    const texts: string[] = [];
    const replies: Array<Promise<GroupSent>> = [];
    const send = (n: number) => {
      for (let i = 0; i < n; i++) {
        texts.push(`k${texts.length}`);
        replies.push(ca.messageGroup(g, texts.at(-1) as string));
      }
    };
    send(5);
    await Promise.all(replies);
    // Frozen: these go out but get no reply before the connection is cut. The server may
    // still store some of them when it resumes; the resends must not store them again.
    srv.proc.kill('SIGSTOP');
    try {
      send(10);
      await sleep(50);
      expect(ca.unsentCount).toBe(10);
      cut();
      await until(ca, () => ca.isOffline, 'the sender notices');
      send(5); // while offline: queued
    } finally {
      srv.proc.kill('SIGCONT');
    }
    const sent = await within(Promise.all(replies), 20_000, 'every send answered');
    expect(sent.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const stored: string[] = [];
    for await (const m of cb.history(g)) stored.unshift(m.text);
    expect(stored).toEqual(texts);
    await until(cb, () => bGot.length >= 20, 'the member receives everything');
    await sleep(100); // a duplicate would arrive now
    expect(bGot.map((m) => m.text)).toEqual(texts);
  }, 60_000);
});
