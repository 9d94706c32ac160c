// Group abuse: a banned user trying to get back in, a kicked user's session that must
// go quiet at once, probing private groups, moderators reaching above their rank, and
// creating groups without end.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient } from '../protocol/client.ts';
import {
  groupMessages,
  groupNamed,
  memberEvent,
  members,
  ok,
  rawReply,
  waitMessages,
} from '../protocol/groups-support.ts';
import { cleanup } from '../protocol/harness.ts';
import { codeOf, emailFor, PASSWORD, sleep } from '../protocol/util.ts';
import { assertControlStillWorks, itSurvives, useArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

const BOSS = { username: 'gboss', email: emailFor('gboss'), password: PASSWORD, level: 'admin' };

describe('group abuse', () => {
  const arena = useArena({ users: [BOSS] });
  const port = () => arena().port;

  it('keeps a banned user out: no join, no reading, no posting, nothing pushed', async () => {
    for (const visibility of ['public', 'private'] as const) {
      const [owner, pest] = await members(port(), 2, 'bn');
      const conv = `#${groupNamed('ban')}`;
      await ok(owner.c, 'create_group', [conv, visibility]);
      await ok(owner.c, 'invite', [conv, pest.name]);
      await ok(pest.c, 'join_group', [conv]);
      await ok(owner.c, 'message_group', [conv, 'before']);
      await waitMessages(pest.c, conv, 1);
      // Acked as a member first: the server now knows the group by name for a quick ack,
      // which must not outlive the membership.
      await ok(pest.c, 'ack', [conv, 1]);
      await ok(owner.c, 'group_ban', [conv, pest.name]);
      await memberEvent(pest.c, 'banned', pest.name);
      const code = visibility === 'public' ? 'forbidden' : 'not_found';
      const tries: Array<[string, unknown[]]> = [
        ['join_group', [conv]],
        ['message_group', [conv, 'let me in']],
        ['history', [conv]],
        ['ack', [conv, 1]],
        ['mark_read', [conv, 1]],
        ['group_members', [conv]],
        ['invite', [conv, owner.name]],
        ['group_unban', [conv, pest.name]],
        ['leave_group', [conv]],
      ];
      for (const [action, data] of tries) {
        expect(codeOf(await pest.c.call(action, data)), `${visibility} ${action}`).toBe(code);
      }
      await ok(owner.c, 'message_group', [conv, 'after']);
      await sleep(100);
      expect(groupMessages(pest.c, conv).map((f) => f.data.text)).toEqual(['before']);
      // Logging in again replays nothing of the group either.
      pest.c.destroy();
      const back = await loginClient(port(), pest.name, PASSWORD);
      await back.nextEvent('synced');
      expect(groupMessages(back, conv)).toEqual([]);
    }
  });

  it("stops a kicked member's live session at once, mid-flood", async () => {
    const [owner, victim, sender] = await members(port(), 3, 'kk');
    const conv = `#${groupNamed('kick')}`;
    await ok(owner.c, 'create_group', [conv]);
    await ok(victim.c, 'join_group', [conv]);
    await ok(sender.c, 'join_group', [conv]);
    let stop = false;
    const sentAfterKick: number[] = [];
    let kicked = false;
    const flood = (async () => {
      for (let i = 0; !stop; i++) {
        const batch = Array.from({ length: 8 }, (_, j) =>
          sender.c.call('message_group', [conv, `m${i}-${j}`]),
        );
        const after = kicked;
        for (const r of await Promise.all(batch)) if (after && r.ok) sentAfterKick.push(r.data.seq);
      }
    })();
    await waitMessages(victim.c, conv, 20);
    await ok(victim.c, 'ack', [conv, 20]);
    await ok(owner.c, 'group_kick', [conv, victim.name]);
    kicked = true;
    await sleep(300);
    stop = true;
    await flood;
    expect(sentAfterKick.length).toBeGreaterThan(0);
    const got = new Set(groupMessages(victim.c, conv).map((f) => f.data.seq as number));
    expect(sentAfterKick.filter((seq) => got.has(seq))).toEqual([]);
    expect(codeOf(await victim.c.call('history', [conv]))).toBe('forbidden');
    expect(codeOf(await victim.c.call('ack', [conv, 20]))).toBe('forbidden');
  });

  it('answers every probe of a private group with the bytes of a group that does not exist', async () => {
    const [owner, prober] = await members(port(), 2, 'pr');
    const name = groupNamed('secret');
    await ok(owner.c, 'create_group', [name, 'private']);
    await ok(owner.c, 'message_group', [`#${name}`, 'classified']);
    const missing = groupNamed('nosuch');
    const probes: Array<(g: string) => [string, unknown[]]> = [
      (g) => ['join_group', [g]],
      (g) => ['leave_group', [g]],
      (g) => ['message_group', [g, 'hi']],
      (g) => ['history', [g]],
      (g) => ['ack', [g, 1]],
      (g) => ['mark_read', [g, 1]],
      (g) => ['group_members', [g]],
      (g) => ['invite', [g, owner.name]],
      (g) => ['group_role', [g, owner.name, 'member']],
      (g) => ['group_kick', [g, owner.name]],
      (g) => ['group_ban', [g, owner.name]],
      (g) => ['group_unban', [g, owner.name]],
      (g) => ['delete_group', [g]],
    ];
    for (const probe of probes) {
      for (const form of [(n: string) => `#${n}`, (n: string) => n]) {
        const [action, real] = probe(form(name));
        const [, fake] = probe(form(missing));
        const a = await rawReply(prober.c, action, real);
        const b = await rawReply(prober.c, action, fake);
        expect(a, action).toBe(b);
        expect(JSON.parse(a).error.code, action).toBe('not_found');
      }
    }
    const listed = await ok(prober.c, 'list_groups', [1_000]);
    expect(listed.groups.map((g: { conv: string }) => g.conv)).not.toContain(`#${name}`);
  });

  it('keeps moderators from acting on equals or above, server admins included', async () => {
    const [owner, mod, peer] = await members(port(), 3, 'md');
    const boss = await loginClient(port(), BOSS.username, PASSWORD);
    const conv = `#${groupNamed('ranks')}`;
    await ok(owner.c, 'create_group', [conv]);
    for (const m of [mod, peer]) await ok(m.c, 'join_group', [conv]);
    await ok(boss, 'join_group', [conv]);
    await ok(owner.c, 'group_role', [conv, mod.name, 'moderator']);
    await ok(owner.c, 'group_role', [conv, peer.name, 'moderator']);
    for (const action of ['group_kick', 'group_ban', 'group_unban']) {
      for (const target of [peer.name, owner.name, mod.name, BOSS.username]) {
        expect(codeOf(await mod.c.call(action, [conv, target])), `${action} ${target}`).toBe(
          'forbidden',
        );
      }
    }
    expect(codeOf(await owner.c.call('group_kick', [conv, BOSS.username]))).toBe('forbidden');
    expect(codeOf(await mod.c.call('group_role', [conv, peer.name, 'member']))).toBe('forbidden');
    expect(codeOf(await mod.c.call('delete_group', [conv]))).toBe('forbidden');
    // Nothing changed.
    const list = await ok(owner.c, 'group_members', [conv]);
    expect(list.total).toBe(4);
    // A server admin outranks the moderators (but not the owner).
    expect(await ok(boss, 'group_kick', [conv, peer.name])).toEqual({ conv, username: peer.name });
    expect(codeOf(await boss.call('group_kick', [conv, owner.name]))).toBe('forbidden');
  });

  it('caps the groups one user owns at groups.max_owned (20)', async () => {
    const [hoarder] = await members(port(), 1, 'ho');
    for (let i = 0; i < 20; i++) await ok(hoarder.c, 'create_group', [groupNamed(`h${i}`)]);
    for (let i = 0; i < 5; i++) {
      expect(codeOf(await hoarder.c.call('create_group', [groupNamed('more')]))).toBe('forbidden');
    }
    const mine = await ok(hoarder.c, 'list_groups', [1_000]);
    expect(mine.groups.filter((g: { role: string }) => g.role === 'owner')).toHaveLength(20);
    await assertControlStillWorks(arena());
  });

  itSurvives(arena);
});

describe('group creation under the chat rate limit', () => {
  const CHAT = { points: 5, duration_s: 3, burst_points: 5, burst_duration_s: 60 };
  const arena = useArena({ config: { rate_limits: { chat: CHAT } } });

  it('refuses a burst of create_group with rate_limited after the chat allowance', async () => {
    const [spammer] = await members(arena().port, 1, 'sp');
    const replies = [];
    for (let i = 0; i < 15; i++) {
      replies.push(await spammer.c.call('create_group', [groupNamed(`s${i}`)]));
    }
    const codes = replies.map((r) => (r.ok ? 'ok' : codeOf(r)));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(10);
    expect(codes.slice(10)).toEqual(Array(5).fill('rate_limited'));
    expect(replies[14]?.error?.retry_after_ms).toBeGreaterThan(0);
    await assertControlStillWorks(arena());
  });
});
