// GroupFanout: the online index, slices in order, removal at once, counts, and the
// commands for other nodes.
import { describe, expect, it } from 'vitest';
import type { NodeCommand } from '../../broker/broker.ts';
import { GroupFanout } from './group-fanout.ts';
import type { Session } from './sessions.ts';

const G = 7;

function setup(slice = 3) {
  const got = new Map<Session, string[]>();
  const sent: NodeCommand[] = [];
  const left: Array<[Session, number]> = [];
  const sessions: Session[] = [];
  const session = (userId: number): Session => {
    const s = {
      tokenHash: `t${sessions.length}`,
      user: { id: userId, username: `u${userId}`, level: 'basic' },
    } as Session;
    sessions.push(s);
    got.set(s, []);
    return s;
  };
  const fanout = new GroupFanout({
    broker: {
      send: (c: NodeCommand) => {
        sent.push(c);
        return undefined;
      },
    } as never,
    sessionsOf: (userId) => sessions.filter((s) => s.user.id === userId),
    send: (s, frame) => got.get(s)?.push(frame),
    left: (s, convId) => left.push([s, convId]),
    slice,
  });
  const turns = async (n = 10) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { fanout, got, sent, left, session, turns };
}

describe('GroupFanout', () => {
  it('hands each frame to every online member, a slice per turn, each session in order', async () => {
    const t = setup(3);
    const members = Array.from({ length: 10 }, (_, i) => t.session(i + 1));
    for (const s of members) t.fanout.attach(s, [G]);
    t.fanout.publish(G, 'one');
    t.fanout.publish(G, 'two');
    // The first slice goes out at once, the rest in later turns.
    expect([...t.got.values()].filter((f) => f.length > 0)).toHaveLength(3);
    await t.turns();
    for (const s of members) expect(t.got.get(s)).toEqual(['one', 'two']);
    // Other nodes get each frame once, with the group.
    expect(t.sent).toEqual([
      { kind: 'group', convId: G, frame: 'one' },
      { kind: 'group', convId: G, frame: 'two' },
    ]);
  });

  it('hands the frames queued meanwhile to each session together, in one turn', async () => {
    const t = setup(4);
    const members = Array.from({ length: 6 }, (_, i) => t.session(i + 1));
    for (const s of members) t.fanout.attach(s, [G]);
    t.fanout.publish(G, 'one');
    t.fanout.publish(G, 'two');
    t.fanout.publish(G, 'three');
    // At every turn boundary a session has either both queued frames or neither: they
    // go out back to back (one socket write), counted against the slice as two.
    for (let turn = 0; turn < 10; turn++) {
      for (const s of members) expect(t.got.get(s)?.length).not.toBe(2);
      await t.turns(1);
    }
    for (const s of members) expect(t.got.get(s)).toEqual(['one', 'two', 'three']);
  });

  it('stops a removed member at once, even in the middle of a fan-out', async () => {
    const t = setup(2);
    const members = Array.from({ length: 6 }, (_, i) => t.session(i + 1));
    for (const s of members) t.fanout.attach(s, [G]);
    t.fanout.publish(G, 'before');
    const last = members[5] as Session;
    t.fanout.member(G, last.user.id, false);
    t.fanout.publish(G, 'after');
    await t.turns();
    expect(t.got.get(last)).toEqual([]);
    expect(t.got.get(members[0] as Session)).toEqual(['before', 'after']);
    expect(t.left).toEqual([[last, G]]);
    expect(t.sent).toContainEqual({ kind: 'group_member', convId: G, userId: 6, joined: false });
  });

  it('counts distinct online users, a user with two sessions once', () => {
    const t = setup();
    const a1 = t.session(1);
    const a2 = t.session(1);
    const b = t.session(2);
    t.fanout.attach(a1, [G]);
    t.fanout.attach(a2, [G]);
    t.fanout.attach(b, [G]);
    expect(t.fanout.onlineUsers(G, 2)).toBe(1);
    expect(t.fanout.onlineUsers(G, 3)).toBe(2);
    t.fanout.detach(a1);
    expect(t.fanout.onlineUsers(G, 3)).toBe(2);
    t.fanout.detach(a2);
    expect(t.fanout.onlineUsers(G, 3)).toBe(1);
    t.fanout.member(G, 4, true);
    expect(t.fanout.onlineUsers(G, 0)).toBe(1);
  });

  it('forgets a deleted group only after its queued frames went out', async () => {
    const t = setup(2);
    const members = Array.from({ length: 5 }, (_, i) => t.session(i + 1));
    for (const s of members) t.fanout.attach(s, [G]);
    t.fanout.publish(G, 'deleted');
    t.fanout.drop(G);
    await t.turns();
    for (const s of members) expect(t.got.get(s)).toEqual(['deleted']);
    t.fanout.publish(G, 'ghost');
    await t.turns();
    for (const s of members) expect(t.got.get(s)).toEqual(['deleted']);
    expect(t.left).toHaveLength(5);
    expect(t.fanout.onlineUsers(G, 0)).toBe(0);
  });
});
