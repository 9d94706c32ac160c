// One-shot (scriptable) super-client against the real server: exit codes, stdout, stderr, --json.
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ChatMessage, Client } from '../../src/client/index.ts';
import { CLIENT_BIN_SCRIPT } from '../programs.ts';
import { type SeedUser, useServer } from '../protocol/harness.ts';
import { cleanupClients, runClient, spawnClient } from './pty.ts';

const PASSWORD = 'Tq7!long-pass-XY';
const seed = (username: string): SeedUser => ({
  username,
  email: `${username}@example.com`,
  password: PASSWORD,
});

const sdkClients: Client[] = [];
afterEach(() => {
  for (const c of sdkClients.splice(0)) c.close();
  cleanupClients();
});

const server = useServer({ users: [seed('alice'), seed('bob'), seed('erin')] });
const at = () => ['--host', '127.0.0.1', '--port', String(server().port)];
const as = (user: string) => [...at(), '--user', user, '--password-stdin'];

/** bob, logged in through the SDK, collecting the live messages he gets. */
async function bobListening(): Promise<{ client: Client; messages: ChatMessage[] }> {
  const client = new Client();
  sdkClients.push(client);
  await client.connect({ host: '127.0.0.1', port: server().port });
  await client.login('bob', PASSWORD);
  const messages: ChatMessage[] = [];
  // Only live ones: an earlier test's message may come again as replayed (its ack was cut off
  // by the close), and these tests look at what they send.
  client.on('message', (m) => {
    if (!m.replayed) messages.push(m);
  });
  return { client, messages };
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('one-shot commands', () => {
  it('pings without logging in', async () => {
    const r = await runClient([...at(), 'ping']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^pong \(\d+ ms\)\n$/);
  });

  it('logs in with the password from stdin and sends a message', async () => {
    const bob = await bobListening();
    const r = await runClient([...as('alice'), 'msg', 'bob', 'hi'], { stdin: `${PASSWORD}\n` });
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'sent to bob\n', stderr: '' });
    await until('bob gets the message', () => bob.messages.length === 1);
    expect(bob.messages[0]).toMatchObject({ from: 'alice', to: 'bob', text: 'hi' });

    // The words after the user name are the text, joined by single spaces; options stay text.
    const r2 = await runClient([...as('alice'), 'message_user', 'bob', 'see', 'you', '--json'], {
      stdin: PASSWORD,
    });
    expect(r2.code, r2.stderr).toBe(0);
    await until('bob gets the second message', () => bob.messages.length === 2);
    expect(bob.messages[1]?.text).toBe('see you --json');
  });

  it('fails a wrong password with exit 1, the code on stderr and nothing on stdout', async () => {
    const r = await runClient([...as('alice'), 'who'], { stdin: 'not-the-password-1\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('super-client: wrong username or password (invalid_credentials)\n');
    expect(r.stderr).not.toContain('not-the-password-1');
  });

  it('exits 3 when the server cannot be reached', async () => {
    const port = await closedPort();
    const r = await runClient(['--port', String(port), 'ping']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`could not connect to 127.0.0.1:${port}: connection refused`);
  });

  it('refuses an unknown command without connecting: exit 2; raw sends any action', async () => {
    const r = await runClient([...as('erin'), 'frobnicate', '1', 'two'], { stdin: PASSWORD });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^super-client: unknown command: frobnicate \(see super-client --help/,
    );
    const raw = await runClient([...as('erin'), 'raw', 'frobnicate', '[1]'], { stdin: PASSWORD });
    expect(raw.code).toBe(1);
    expect(raw.stderr).toBe(
      'super-client: the server has no command "frobnicate" (unknown_action)\n',
    );
  });

  it('gives the server\'s "pong" as data and the round trip as rtt_ms with --json ping', async () => {
    const r = await runClient([...at(), '--json', 'ping']);
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout);
    expect(line).toMatchObject({ type: 'reply', command: 'ping', action: 'ping', data: 'pong' });
    expect(typeof line.rtt_ms).toBe('number');
    expect(line.rtt_ms).toBeGreaterThanOrEqual(0);
  });

  it('refuses a message over 4,000 characters before sending it, naming the limit', async () => {
    const bob = await bobListening();
    const long = '😀'.repeat(4001); // 4,001 code points, 8,002 UTF-16 units
    const r = await runClient([...as('alice'), 'msg', 'bob', long], { stdin: PASSWORD });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'super-client: message too long: 4,001 characters, the limit is 4,000 (nothing was sent)\n',
    );
    const ok = await runClient([...as('alice'), 'msg', 'bob', '😀'.repeat(4000)], {
      stdin: PASSWORD,
    });
    expect(ok.code, ok.stderr).toBe(0);
    await until('bob gets the 4,000-character message', () => bob.messages.length === 1);
    expect([...(bob.messages[0]?.text ?? '')].length).toBe(4000);
  });

  it('sends the JSON of raw as typed: compact arrays with quoted strings', async () => {
    const bob = await bobListening();
    const r = await runClient([...as('erin'), 'raw', 'message_user', '["bob","x y"]'], {
      stdin: PASSWORD,
    });
    expect(r.code, r.stderr).toBe(0);
    await until('bob gets the raw message', () => bob.messages.length === 1);
    expect(bob.messages[0]).toMatchObject({ from: 'erin', text: 'x y' });
  });

  it('sends raw JSON inputs with raw, and prints JSON lines with --json', async () => {
    const bob = await bobListening();
    const who = await runClient([...as('erin'), '--json', 'raw', 'show_online_users', '[5]'], {
      stdin: PASSWORD,
    });
    expect(who.code, who.stderr).toBe(0);
    const lines = who.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const reply = lines.find((l) => l.type === 'reply');
    expect(reply).toMatchObject({ command: 'raw', action: 'show_online_users', ok: true });
    const names = reply.data.users.map((u: { username: string }) => u.username);
    expect(names).toEqual(['bob', 'erin']);

    const id = await runClient([...as('erin'), '--json', 'id'], { stdin: PASSWORD });
    // The login's `synced` event (stored conversations) comes first as an event line.
    const idLines = id.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(idLines.find((l) => l.type === 'reply')).toMatchObject({
      type: 'reply',
      command: 'id',
      action: 'get_id',
      data: expect.stringMatching(/^#\d{5}$/),
    });

    const bad = await runClient([...as('erin'), '--json', 'msg', 'nobody-at-all', 'x'], {
      stdin: PASSWORD,
    });
    expect(bad.code).toBe(1);
    // Only the login's `synced` event; no reply line.
    expect(bad.stdout).not.toContain('"type":"reply"');
    expect(JSON.parse(bad.stderr)).toMatchObject({ type: 'error', code: 'not_found' });
    await bob.client.logout();
  });

  it('listens: events as JSON lines until stopped', async () => {
    const { child, stdout, stderr } = spawnClient([...as('bob'), '--json', 'listen']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.end(`${PASSWORD}\n`);
    try {
      const alice = new Client();
      sdkClients.push(alice);
      await alice.connect({ host: '127.0.0.1', port: server().port });
      await alice.login('alice', PASSWORD);
      // bob may not be logged in yet: retry until the message is delivered.
      const end = Date.now() + 10_000;
      for (;;) {
        const r = await alice.messageUser('bob', 'ping from alice').catch((e) => e);
        if (r && (r as { delivered?: boolean }).delivered === true) break;
        if (Date.now() > end) throw new Error(`bob never came online; stderr: ${stderr()}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      await until('the event is printed', () => stdout().includes('ping from alice'), 5_000);
      // Messages stored for bob earlier are replayed first; find the live one.
      const event = stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((l) => l.event === 'message' && l.data.text === 'ping from alice');
      expect(event).toMatchObject({
        type: 'event',
        event: 'message',
        data: { from: 'alice', to: 'bob', text: 'ping from alice' },
      });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout().trim().split('\n').at(-1)).toBe('{"type":"closed","reason":"client_closed"}');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('usage', () => {
  it('exits 2 for every usage error, each one line "super-client: <message>"', async () => {
    const cases: [string[], RegExp][] = [
      [[...at(), 'msg', 'bob'], /missing text; usage: msg <user\|#group> <text…>/],
      [[...at(), 'who'], /who needs a login: add --user NAME --password-stdin/],
      [['--port', 'abc', 'ping'], /^super-client: --port abc: must be a port number \(1-65535\)/],
      [['--port', '70000', 'ping'], /--port 70000: must be a port number/],
      [['--timeout', 'soon', 'ping'], /--timeout soon: must be a whole number of milliseconds/],
      [[...at(), '--user', 'alice', 'who'], /--user needs --password-stdin/],
      [[...at(), 'login'], /login works only at the prompt/],
      [[...at(), 'passwd'], /passwd works only at the prompt/],
      [['--bogus'], /^super-client: unknown option '--bogus'/],
      [['--ca', '/nonexistent/ca.pem', 'ping'], /cannot read CA file .*no such file/],
      [[...at(), 'frob'], /^super-client: unknown command: frob/],
      [[...at(), '--user', 'alice', '--password-stdin', 'raw', 'who', '{'], /JSON array/],
    ];
    for (const [args, message] of cases) {
      const r = await runClient(args, { stdin: PASSWORD });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^super-client: [^\n]+\n$/); // one line, one form
      expect(r.stderr).not.toMatch(/error:/);
      expect(r.stdout).toBe('');
    }
  });

  it('documents flags, commands and exit codes in --help', async () => {
    // The user-facing bin/super-client script (tsx over src/), so it stays covered.
    const r = await runClient(['--help'], { program: CLIENT_BIN_SCRIPT });
    expect(r.code).toBe(0);
    for (const text of [
      '--host <host>',
      '--port <port>',
      '--user <name>',
      '--password-stdin',
      '--json',
      '--tls',
      '--ca <file>',
      'msg <user|#group> <text…>',
      'setlevel <user> <level>',
      'Exit status: 0 ok, 1 the server answered with an error, 2 usage error',
      'SUPER_CLIENT_HISTORY',
    ]) {
      expect(r.stdout).toContain(text);
    }
  });
});

afterAll(cleanupClients);
