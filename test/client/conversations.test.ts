// Stored conversations at the prompt, in a real pseudo-terminal against the real server:
// the summary of what came while away, history, convs, read, and a message typed while the
// server is down going out once it is back.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/client/index.ts';
import { cleanup, startServer } from '../protocol/harness.ts';
import { loginAndReplay } from '../protocol/stored.ts';
import { closeDurable, inbox, restartOnSamePort } from '../sdk/durable.ts';
import { closeAllSdk, loginSdk, PASS } from '../sdk/helpers.ts';
import { loggedIn, seed } from './prompt-login.ts';
import { cleanupClients, runClient } from './pty.ts';

afterEach(() => {
  cleanupClients();
  closeAllSdk();
  closeDurable();
});
afterAll(cleanup);

describe('stored conversations at the prompt', () => {
  it('sums up what came while away, then history, convs and read', async () => {
    const server = await startServer({ users: [seed('alice'), seed('bob'), seed('carol')] });
    const alice = await loginSdk(server.port, 'alice', PASS);
    const carol = await loginSdk(server.port, 'carol', PASS);
    for (let i = 0; i < 5; i++) await alice.messageUser('bob', `a${i}`);
    for (let i = 0; i < 2; i++) await carol.messageUser('bob', `c${i}`);

    const bob = await loggedIn(server.port, 'bob');
    await bob.waitScreen('7 messages while you were away');
    await bob.waitScreen('… 2 more: history @alice 5');
    await bob.waitScreen(/carol: c1$/m); // the whole summary is on the screen
    const screen = bob.plain();
    expect(screen).toMatch(/@alice \(5\):/);
    expect(screen).toMatch(/@carol \(2\):/);
    for (const t of ['a2', 'a3', 'a4', 'c0', 'c1'])
      expect(screen).toMatch(new RegExp(`: ${t}$`, 'm'));
    // Not each replayed message as if it were live: the oldest two are only counted.
    expect(screen).not.toMatch(/alice: a0$/m);
    expect(screen).not.toMatch(/alice: a1$/m);
    // The summary comes after the login line, not before it.
    expect(screen.indexOf('logged in as bob')).toBeLessThan(screen.indexOf('while you were away'));

    await bob.run('history @alice 3', /#5 \[[^\]]+\] alice: a4/);
    expect(bob.plain()).toMatch(/#3 \[[^\]]+\] alice: a2/);
    expect(bob.plain()).toContain('(older messages: history @alice 53)');
    // Every account is in #global too (no messages there: it comes last, read).
    await bob.run('convs', '3 conversations');
    // Titles are padded to the longest (#global).
    await bob.waitScreen(/@carol {3}2 unread {2}\[[^\]]+\] carol: c1/);
    await bob.waitScreen(/#global {2}read/);
    await bob.waitScreen(/@alice {3}5 unread {2}\[[^\]]+\] alice: a4/);
    const receipt = new Promise((resolve) => alice.once('read', resolve));
    await bob.run('read alice', '@alice marked read up to #5 (0 unread)');
    expect(await receipt).toMatchObject({ seq: 5, by: 'bob' });
    await bob.run('convs', /@alice {3}read/);
    await bob.run('history @nobody_here', 'error:');

    // Live messages still print one by one, as they come.
    await alice.messageUser('bob', 'live one');
    await bob.waitScreen(/\] alice: live one$/m);
  }, 60_000);

  it('reconnects by itself and sends a message typed while the server was down, once', async () => {
    let server = await startServer({ users: [seed('alice'), seed('bob')] });
    const bob = await loggedIn(server.port, 'bob');
    const where = `127.0.0.1:${server.port}`;
    server.proc.kill('SIGKILL');
    await server.exited;
    await bob.waitScreen('* offline (the connection was lost (connection_lost)); reconnecting…');
    await bob.waitCursorLine(`bob@${where} (offline)> `);
    await bob.run('msg alice back soon', 'is queued and goes out once reconnected');
    await bob.run('who', 'offline, reconnecting: who has to wait');

    server = await restartOnSamePort(server);
    const alice = await loginSdk(server.port, 'alice', PASS);
    const got: ChatMessage[] = inbox(alice);
    await bob.waitScreen('* back online as bob', 20_000);
    await bob.waitScreen('sent to alice (typed while offline)');
    await bob.waitCursorLine(`bob@${where}> `);
    // Stored once: alice's history has it once, and a live message after it is next.
    await bob.run('msg alice and now live', /sent to alice$/m);
    const h = await alice.historyPage('@bob');
    expect(h.messages.map((m) => m.text)).toEqual(['back soon', 'and now live']);
    expect(got.map((m) => m.text).filter((t) => t === 'back soon').length).toBeLessThanOrEqual(1);
  }, 60_000);

  it('runs history, convs and read one-shot, leaving the replay for the next login', async () => {
    const server = await startServer({ users: [seed('alice'), seed('bob')] });
    const alice = await loginSdk(server.port, 'alice', PASS);
    for (let i = 0; i < 3; i++) await alice.messageUser('bob', `m${i}`);
    const as = ['--port', String(server.port), '--user', 'bob', '--password-stdin'];
    const stdin = `${PASS}\n`;
    const h = await runClient([...as, 'history', '@alice', '2'], { stdin });
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(
      /^\(older messages: history @alice 52\)\n#2 \[[^\]]+\] alice: m1\n#3 \[[^\]]+\] alice: m2\n$/,
    );
    const c = await runClient([...as, 'convs'], { stdin });
    // Every account is in #global (no messages there: it comes last).
    expect(c.stdout).toMatch(
      /^2 conversations\n {2}@alice {3}3 unread {2}\[[^\]]+\] alice: m2\n {2}#global {2}read\n$/,
    );
    const r = await runClient([...as, 'read', 'alice'], { stdin });
    expect(r.stdout).toBe('@alice marked read up to #3 (0 unread)\n');
    expect((await runClient([...as, 'history', '@alice', '0'], { stdin })).code).toBe(2);
    // None of these showed the replay, so none acked it: the next login gets all three.
    const next = await loginAndReplay(server.port, 'bob', PASS);
    expect(next.synced).toEqual({ replayed: 3, more: false });
  }, 60_000);
});
