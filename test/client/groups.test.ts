// Groups at the prompt, in real pseudo-terminals against the real server: create, join, the
// current conversation (switch, then plain text goes to the group), member events, members,
// groups, kick and a confirmed delete-group; and group commands one-shot.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanup, startServer } from '../protocol/harness.ts';
import { closeAllSdk, loginSdk, PASS } from '../sdk/helpers.ts';
import { loggedIn, seed } from './prompt-login.ts';
import { cleanupClients, runClient } from './pty.ts';

afterEach(() => {
  cleanupClients();
  closeAllSdk();
});
afterAll(cleanup);

describe('groups at the prompt', () => {
  it('joins, switches, sends plain text to the group, and shows member events', async () => {
    const server = await startServer({ users: [seed('alice'), seed('bob')] });
    const where = `127.0.0.1:${server.port}`;
    const alice = await loggedIn(server.port, 'alice');
    const bob = await loggedIn(server.port, 'bob');

    await alice.run('create #lab', 'created #lab (public); you are its owner');
    await bob.run('groups', /#lab +public +1 member +not a member/);
    await bob.run('join lab', 'joined #lab as member');
    await alice.waitScreen('[#lab] * bob joined');

    // Plain text is refused until a conversation is current, then goes to it.
    await bob.run('hello everyone', 'unknown command: hello (try help)');
    await bob.run('/switch #lab', 'now talking in #lab: plain text goes there');
    await bob.waitCursorLine(`bob@${where} #lab> `);
    await bob.run('hello everyone', 'sent to #lab (1 other online)');
    await alice.waitScreen(/\[#lab\] bob: hello everyone$/m);
    // A line starting with a command word is still the command.
    await bob.run('members #lab', '2 members');
    expect(bob.plain()).toMatch(/alice +owner +online/);
    expect(bob.plain()).toMatch(/bob +member +online/);
    // reply answers in the group of the last message.
    await alice.run('reply welcome', 'sent to #lab (1 other online)');
    await bob.waitScreen(/\[#lab\] alice: welcome$/m);

    await alice.run('role #lab bob moderator', 'bob is now moderator in #lab');
    await bob.waitScreen('[#lab] * you are now moderator (by alice)');
    await alice.run('kick #lab bob', 'kicked bob from #lab');
    await bob.waitScreen('[#lab] * you were kicked by alice');
    // No longer a member: the prompt drops the group.
    await bob.waitCursorLine(`bob@${where}> `);
    await bob.run('msg #lab anyone?', 'error:');
    await bob.run('join #lab', 'joined #lab as member');
    await bob.run('switch #lab', 'now talking in #lab');

    // Stored once each, in order.
    await alice.run('history #lab', /#2 \[[^\]]+\] \[#lab\] alice: welcome/);
    const plain = alice.screen();
    expect(plain.match(/^\[\d\d:\d\d\] \[#lab\] bob: hello everyone$/gm)).toHaveLength(1);
    expect(plain.match(/^#\d+ .*hello everyone$/gm)).toEqual([
      expect.stringMatching(/^#1 \[[^\]]+\] \[#lab\] bob: hello everyone$/),
    ]);

    await alice.run('delete-group #lab', 'type #lab to delete it: ');
    await alice.run('#nope', '#lab was not deleted');
    await alice.run('delete-group lab', 'type #lab to delete it: ');
    await alice.run('#lab', 'deleted #lab');
    await bob.waitScreen('[#lab] * the group was deleted by alice');
    await bob.waitCursorLine(`bob@${where}> `);
    await bob.run('join #lab', 'error:');
  }, 60_000);

  it('keeps plain text with a user as the current conversation, and stores it once', async () => {
    const server = await startServer({ users: [seed('alice'), seed('bob')] });
    const bob = await loggedIn(server.port, 'bob');
    const alice = await loginSdk(server.port, 'alice', PASS);
    await bob.run('switch @alice', 'now talking in @alice');
    await bob.run('just to you', 'sent to alice');
    await bob.run('switch', 'no current conversation (was @alice)');
    await bob.run('again?', 'unknown command: again?');
    const h = await alice.historyPage('@bob');
    expect(h.messages.map((m) => m.text)).toEqual(['just to you']);
  }, 60_000);

  it('runs group commands one-shot: create, msg #group, members, and refuses delete-group', async () => {
    const server = await startServer({ users: [seed('alice'), seed('bob')] });
    const bob = await loginSdk(server.port, 'bob', PASS);
    const as = ['--port', String(server.port), '--user', 'alice', '--password-stdin'];
    const stdin = `${PASS}\n`;
    const created = await runClient([...as, 'create', 'ops', 'private'], { stdin });
    expect(created.stdout).toBe('created #ops (private); you are its owner\n');
    expect((await runClient([...as, 'invite', '#ops', 'bob'], { stdin })).code).toBe(0);
    await bob.joinGroup('#ops');
    const sent = await runClient([...as, 'msg', '#ops', 'from', 'a', 'script'], { stdin });
    expect(sent.stdout).toBe('sent to #ops (1 other online)\n');
    const h = await bob.historyPage('#ops');
    expect(h.messages.map((m) => [m.from, m.text])).toEqual([['alice', 'from a script']]);
    const json = await runClient([...as, '--json', 'members', '#ops'], { stdin });
    expect(JSON.parse(json.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      command: 'members',
      action: 'group_members',
      data: { total: 2 },
    });
    const kick = await runClient([...as, '--json', 'kick', '#ops', 'bob'], { stdin });
    expect(JSON.parse(kick.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      action: 'group_kick',
      data: { conv: '#ops', username: 'bob' },
    });
    const del = await runClient([...as, 'delete-group', '#ops'], { stdin });
    expect(del.code).toBe(2);
    expect(del.stderr).toContain('delete-group works only at the prompt');
  }, 60_000);
});
