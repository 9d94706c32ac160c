// The interactive client in a real pseudo-terminal against the real server: what the screen shows.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanup,
  type SeedUser,
  type ServerHandle,
  startServer,
  waitExit,
} from '../protocol/harness.ts';
import { cleanupClients, PtyClient, tempDir } from './pty.ts';

afterEach(cleanupClients);
afterAll(cleanup);

const PASSWORD = 'Tq7!long-pass-XY';
const seed = (username: string, level?: string): SeedUser => ({
  username,
  email: `${username}@example.com`,
  password: PASSWORD,
  level,
});

// A colour/style escape sequence (SGR).
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences start with ESC
const SGR = /\x1b\[[0-9;]*m/;

// One server for the tests that do not stop it (the admin test starts its own).
let shared: ServerHandle;
beforeAll(async () => {
  shared = await startServer({ users: [seed('alice', 'admin'), seed('dave')] });
});

/** Starts a client, connects it to `port` and logs in `user` (answering the prompts). */
async function loggedIn(port: number, user: string): Promise<PtyClient> {
  const c = new PtyClient();
  await c.waitScreen('super> ');
  await c.run(`connect 127.0.0.1:${port}`, `connected to 127.0.0.1:${port}`);
  await c.run('login', 'username: ');
  c.type(`${user}\r`);
  await c.waitScreen('password: ');
  c.type(`${PASSWORD}\r`);
  await c.waitScreen(`logged in as ${user}`);
  await c.waitCursorLine(`${user}@127.0.0.1:${port}> `);
  return c;
}

describe('two people chatting', () => {
  it('registers and logs in with hidden passwords, lists, messages mid-typing, exits', async () => {
    const server = shared;
    const prompt = (u: string) => `${u}@127.0.0.1:${server.port}> `;
    const alice = await loggedIn(server.port, 'alice');

    // bob registers: every question is asked, the password twice and never shown.
    const bob = new PtyClient();
    await bob.waitCursorLine('super> ');
    await bob.run(`connect 127.0.0.1:${server.port}`, 'now login or register');
    await bob.waitCursorLine(`127.0.0.1:${server.port}> `);
    await bob.run('register', 'username: ');
    bob.type('bob\r');
    await bob.waitScreen('password (8-128 characters, not shown): ');
    bob.type(`${PASSWORD}\r`);
    await bob.waitScreen('repeat it: ');
    bob.type(`${PASSWORD}\r`);
    await bob.waitScreen('email: ');
    bob.type('bob@example.com\r');
    await bob.waitScreen('phone (optional');
    bob.type('\r');
    await bob.waitScreen(/registered and logged in as bob \(#\d{5}, basic\)/);
    await bob.waitCursorLine(prompt('bob'));
    for (const c of [alice, bob]) {
      expect(c.raw).not.toContain(PASSWORD);
      expect(c.screen()).not.toContain(PASSWORD);
    }

    // Nobody has written to alice yet, so there is nobody to reply to.
    await alice.run('reply hello?', 'error: nobody has sent you a message yet');

    // who shows both users, with ids.
    await alice.run('who', /2 online\n\s+#\d{5}\s+alice\n\s+#\d{5}\s+bob/);

    // bob is half-way through a line when alice's message arrives.
    bob.type('msg alice hel');
    await bob.waitCursorLine(`${prompt('bob')}msg alice hel`);
    await alice.run('msg bob hi bob, how are you?', 'sent to bob');
    await bob.waitScreen(/\[\d\d:\d\d\] alice: hi bob, how are you\?/);
    await bob.waitCursorLine(`${prompt('bob')}msg alice hel`);
    const rows = bob.screen().split('\n');
    const messageRow = rows.findIndex((r) => r.includes('alice: hi bob'));
    expect(messageRow, bob.describe()).toBe(bob.term.cursor().row - 1);
    expect(bob.term.cursor().col).toBe(`${prompt('bob')}msg alice hel`.length);

    // ...and can finish that line: it is sent as typed.
    bob.type('lo alice\r');
    await bob.waitScreen('sent to alice');
    await alice.waitScreen(/bob: hello alice$/m);
    await alice.waitCursorLine(prompt('alice'));

    // reply answers whoever wrote last.
    await bob.run('reply fine, thanks', 'sent to alice');
    await alice.waitScreen(/bob: fine, thanks$/m);
    await alice.run('reply', 'error: missing text; usage: reply <text…>');

    // Errors are one readable line with the code.
    await alice.run('msg nobody-here hi', 'error: no such user (not_found)');
    await alice.run('setlevel', 'error: missing user; usage: setlevel <user> <level>');

    // exit logs bob out and disconnects; the server no longer lists him.
    await bob.run('exit', `logged out; disconnected from 127.0.0.1:${server.port}`);
    await bob.waitCursorLine('super> ');
    await alice.run('who', /1 online\n\s+#\d{5}\s+alice\n/);
    expect(alice.screen().split('1 online')[1]).not.toContain('bob');

    // bob is still in the program and can log in again; a wrong password reads as words.
    await bob.run(`connect 127.0.0.1:${server.port}`, 'now login or register');
    await bob.run('login bob', 'password: ');
    bob.type('not-the-password-9\r');
    await bob.waitScreen('error: wrong username or password (invalid_credentials)');
    await bob.run('login bob', 'password: ');
    bob.type(`${PASSWORD}\r`);
    await bob.waitCursorLine(prompt('bob'));
    expect(bob.raw).not.toContain('not-the-password-9');

    bob.type('quit\r');
    alice.type('quit\r');
    expect(await bob.waitExit()).toBe(0);
    expect(await alice.waitExit()).toBe(0);
  });
});

describe('an admin at work', () => {
  it('kicks, promotes, and stops the server; everyone sees the notices', async () => {
    const server = await startServer({ users: [seed('alice', 'admin'), seed('carol')] });
    const port = server.port;
    const alice = await loggedIn(port, 'alice');
    let carol = await loggedIn(port, 'carol');

    await alice.run('kick carol', 'kicked carol (1 session ended)');
    await carol.waitScreen('* disconnected by the server: you were kicked by an admin (kicked)');
    await carol.waitCursorLine('super> ');
    carol.type('quit\r');
    await carol.waitExit();

    carol = await loggedIn(port, 'carol');
    await carol.run('level', /^basic$/m);
    await alice.run('setlevel carol admin', 'carol is now admin');
    await carol.waitScreen('* your permission level is now admin (changed by alice)');
    await carol.run('get_permission_level', /^admin$/m);

    await alice.run('kill maintenance', 'shutting down');
    for (const [c, u] of [
      [alice, 'alice'],
      [carol, 'carol'],
    ] as const) {
      await c.waitScreen('* the server is shutting down: maintenance (by alice)');
      // A server that stops may come back: the client tries to reconnect, and says so.
      await c.waitScreen('* offline (the server is shutting down (shutdown)); reconnecting…');
      await c.waitCursorLine(`${u}@127.0.0.1:${port} (offline)> `);
    }
    expect((await waitExit(server, 10_000)).code).toBe(0);
    await carol.run('who', 'error: offline, reconnecting: who has to wait (msg is queued)');
    await carol.run('exit', 'stopped reconnecting; disconnected');
    await carol.waitCursorLine('super> ');
    await carol.run('who', 'error: not connected');
  });
});

describe('the prompt', () => {
  it('completes commands and names with Tab', async () => {
    const c = new PtyClient();
    await c.waitCursorLine('super> ');
    c.type('wh\t');
    await c.waitCursorLine('super> who');
    c.type('\x15'); // Ctrl-U: clear the line
    await c.waitCursorLine('super> ');
    c.type('setl\t');
    await c.waitCursorLine('super> setlevel ');
    c.type('someone ad\t');
    await c.waitCursorLine('super> setlevel someone admin ');
    c.type('\x15'); // a unique command gets its trailing space: the next word follows at once
    await c.waitCursorLine('super> ');
    c.type('ms\t');
    await c.waitCursorLine('super> msg ');
    c.type('\x15quit\r');
    expect(await c.waitExit()).toBe(0);
  });

  it('keeps history in the file it is told to, without answers or passwords', async () => {
    const server = shared;
    const file = path.join(tempDir(), 'history');
    const c = new PtyClient([], { SUPER_CLIENT_HISTORY: file });
    await c.waitCursorLine('super> ');
    await c.run(`connect 127.0.0.1:${server.port}`, 'now login');
    await c.run('login', 'username: ');
    c.type('dave\r');
    await c.waitScreen('password: ');
    c.type(`${PASSWORD}\r`);
    await c.waitScreen('logged in as dave');
    await c.run('login dave with-a-secret', 'asks for the password');
    c.type('quit\r');
    expect(await c.waitExit()).toBe(0);
    const saved = fs.readFileSync(file, 'utf8');
    expect(saved).toBe(`connect 127.0.0.1:${server.port}\nlogin\nquit\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    // A new client starts with that history: Up recalls the last line.
    const again = new PtyClient([], { SUPER_CLIENT_HISTORY: file });
    await again.waitCursorLine('super> ');
    again.type('\x1b[A\x1b[A');
    await again.waitCursorLine('super> login');
    again.type('\x15quit\r');
    expect(await again.waitExit()).toBe(0);
  });

  it('colours a terminal unless NO_COLOR is set', async () => {
    const coloured = new PtyClient([], { NO_COLOR: '' });
    await coloured.waitScreen('super> ');
    await coloured.run('help', 'Commands:');
    expect(coloured.raw).toContain('\x1b[1m'); // bold prompt and command names
    coloured.type('quit\r');
    const plain = new PtyClient([], { NO_COLOR: '1' });
    await plain.waitScreen('super> ');
    await plain.run('help', 'Commands:');
    expect(plain.raw).not.toMatch(SGR); // no colour or style at all
    plain.type('quit\r');
    expect(await coloured.waitExit()).toBe(0);
    expect(await plain.waitExit()).toBe(0);
  });

  it('says so when it cannot connect, and quits on Ctrl-D', async () => {
    const c = new PtyClient();
    await c.waitCursorLine('super> ');
    await c.run(
      'connect 127.0.0.1:1',
      /error: could not connect to 127\.0\.0\.1:1: connection refused/,
    );
    await c.run('ping', 'error: not connected (use connect [host[:port]] first)');
    c.type('\x04');
    expect(await c.waitExit()).toBe(0);
  });
});
