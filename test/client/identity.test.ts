// ID login in the terminal client, in a pseudo-terminal against the real server and the test
// IdP (a separate oidc-provider process) whose forms a script fills in: login --id to a new
// account and back to it, --id at start and one-shot, link/identities/unlink, Ctrl-C while
// waiting, and an IdP that is down.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, type SeedUser, type ServerHandle, startServer } from '../protocol/harness.ts';
import { pollUntil, uniqueName } from '../protocol/util.ts';
import { completeDeviceFlow, type IdpService, startIdp } from '../services/idp.ts';
import { cleanupClients, PtyClient, spawnClient } from './pty.ts';

const PROVIDER = 'testidp';
const PASSWORD = 'Tq7!long-pass-XY';
const seed = (username: string): SeedUser => ({
  username,
  email: `${username}@example.com`,
  password: PASSWORD,
});

/** The sign-in link with the code in it, as the client prints it. */
const LINK = /or open (http:\/\/\S+?user_code=[^\s,]+)/;

let idp: IdpService;
let server: ServerHandle;
beforeAll(async () => {
  idp = await startIdp();
  server = await startServer({
    config: { identity: { providers: [idp.providerConfig(PROVIDER)] } },
    users: [seed('pat'), seed('rita')],
  });
});
afterEach(cleanupClients);
afterAll(async () => {
  await cleanup();
  await idp?.stop();
});

const where = () => `127.0.0.1:${server.port}`;
const prompt = (user: string) => `${user}@${where()}> `;

/** A client at the prompt, connected (not logged in). */
async function connected(): Promise<PtyClient> {
  const c = new PtyClient();
  await c.waitCursorLine('super> ');
  await c.run(`connect ${where()}`, 'now login or register');
  await c.waitCursorLine(`${where()}> `);
  return c;
}

/** Waits for the sign-in link after `since` in the output; `login` then signs in with it. */
async function signInFromScreen(c: PtyClient, login: string, since = 0): Promise<void> {
  await c.waitOutput(LINK, since);
  const url = LINK.exec(c.plain().slice(since))?.[1] ?? '';
  await c.waitOutput('waiting for you to sign in', since);
  await completeDeviceFlow(url, { login });
}

describe('login --id at the prompt', () => {
  it('shows the page, the code and a QR code, makes a new account, then logs in to it again', async () => {
    const login = uniqueName('tid');
    const c = await connected();
    const mark = c.plain().length;
    c.type(`login --id ${PROVIDER}\r`);
    await c.waitOutput(
      new RegExp(
        `sign in with ${PROVIDER}: open http://127\\.0\\.0\\.1:\\d+/\\S* and enter the code \\S+`,
      ),
      mark,
    );
    await c.waitOutput('or scan this with your phone:', mark);
    await c.waitOutput(/[█▀▄]{7}/, mark); // the QR code's finder pattern
    await signInFromScreen(c, login, mark);

    await c.waitOutput(`no account is tied to this ${PROVIDER} identity yet: creating one`, mark);
    await c.waitCursorLine(`username (Enter for ${login}): `);
    await c.run('', `registered and logged in as ${login} (#`);
    await c.waitCursorLine(prompt(login));
    await c.run('identities', '1 identity tied to your account:');
    await c.waitScreen(
      new RegExp(`${PROVIDER}\\s+${login}@example\\.test\\s+since \\d{4}-\\d\\d-\\d\\d`),
    );
    await c.waitScreen(`(${idp.issuer}, subject ${login})`);
    await c.run('unlink testidp', 'this is your only way to log in');
    await c.run('exit', 'logged out');

    // The same identity again: the same account, no questions.
    const again = new PtyClient(['--port', String(server.port), '--id', PROVIDER]);
    await signInFromScreen(again, login);
    await again.waitOutput(`logged in as ${login} (#`);
    await again.waitCursorLine(prompt(login));
    expect(again.plain()).not.toContain('username (Enter');
  });

  it('asks again for a username that is taken, and takes a typed one', async () => {
    const c = await connected();
    const mark = c.plain().length;
    c.type(`login --id ${PROVIDER}\r`);
    await signInFromScreen(c, 'pat', mark); // the IdP's "pat" is not the password account pat
    const asked = () => /^username \(Enter for [\w.-]+\): $/.test(c.term.cursorLine());
    await c.until('the username question', asked);
    // "pat" is taken, so the suggestion is another name: made valid and free.
    expect(c.term.cursorLine()).not.toBe('username (Enter for pat): ');
    const mark2 = c.plain().length;
    await c.run('rita', 'that username is taken (username_taken)');
    await c.until('the username question again', () => asked() && c.plain().length > mark2);
    const mine = uniqueName('typed');
    await c.run(mine, `registered and logged in as ${mine} (#`);
  });

  it('asks for an email when the provider vouches for none', async () => {
    const login = `noemail-${uniqueName('n')}`; // the test IdP gives noemail-… no email
    const c = await connected();
    const mark = c.plain().length;
    c.type(`login --id ${PROVIDER}\r`);
    await signInFromScreen(c, login, mark);
    await c.waitCursorLine(`username (Enter for ${login}): `);
    await c.run('', 'the provider gave no verified email: type one (a code is sent to it)');
    await c.waitCursorLine('email: ');
    await c.run('not-an-email', 'that is not an email address');
    await c.run(`${login}@example.org`, `registered and logged in as ${login} (#`);
    await c.run('identities', '1 identity tied to your account:');
  });

  it('Ctrl-C while waiting gives up and disconnects; the client goes on', async () => {
    const c = await connected();
    await c.run(`login --id ${PROVIDER}`, 'waiting for you to sign in');
    const mark = c.plain().length;
    c.type('\x03');
    await c.waitOutput(
      'cancelled: stopped waiting for the sign-in; disconnected (connect to try again)',
      mark,
    );
    await c.waitCursorLine('super> ');
    expect(c.plain().slice(mark)).not.toContain('connection closed');
    await c.run(`connect ${where()}`, 'now login or register');
  });
});

describe('linking at the prompt', () => {
  it('links an identity to a password account, lists it and unlinks it', async () => {
    const c = await connected();
    await c.run('login pat', 'password: ');
    await c.run(PASSWORD, 'logged in as pat');
    await c.waitCursorLine(prompt('pat'));
    await c.run(
      'identities',
      'no identity provider is tied to your account (link <provider> ties one)',
    );
    const mark = c.plain().length;
    c.type(`link ${PROVIDER}\r`);
    const login = uniqueName('plink');
    await signInFromScreen(c, login, mark);
    await c.waitOutput(`your ${PROVIDER} identity is now tied to pat`, mark);
    await c.run('identities', '1 identity tied to your account:');
    await c.run(
      `unlink ${PROVIDER}`,
      `your ${PROVIDER} identity is no longer tied to this account`,
    );
    await c.run('identities', 'no identity provider is tied');
  });
});

describe('one-shot --id', () => {
  it('prints the page and code on stderr, signs in, and runs the command', async () => {
    const login = uniqueName('oneshot');
    // First make the account at the prompt.
    const c = await connected();
    c.type(`login --id ${PROVIDER}\r`);
    await signInFromScreen(c, login);
    await c.waitCursorLine(`username (Enter for ${login}): `);
    await c.run('', 'registered and logged in');
    await c.run('exit', 'logged out');

    const run = spawnClient(['--port', String(server.port), '--id', PROVIDER, 'identities']);
    const exited = new Promise<number | null>((resolve) => run.child.on('exit', resolve));
    await pollUntil(async () => LINK.test(run.stderr()), 10_000);
    await completeDeviceFlow(LINK.exec(run.stderr())?.[1] ?? '', { login });
    expect(await exited).toBe(0);
    expect(run.stdout()).toContain('1 identity tied to your account:');
    expect(run.stdout()).toContain(login);
    expect(run.stderr()).toContain(`sign in with ${PROVIDER}: open `);
    expect(run.stderr()).not.toContain('█'); // no QR code in one-shot mode
  });

  it('with --json gives the sign-in as one JSON line on stderr, and the refusal as JSON too', async () => {
    const run = spawnClient([
      '--port',
      String(server.port),
      '--id',
      PROVIDER,
      '--json',
      'identities',
    ]);
    const exited = new Promise<number | null>((resolve) => run.child.on('exit', resolve));
    await pollUntil(async () => run.stderr().includes('\n'), 10_000);
    const signIn = JSON.parse(run.stderr().split('\n')[0] ?? '');
    expect(signIn).toMatchObject({
      type: 'sign_in',
      provider: PROVIDER,
      user_code: expect.any(String),
    });
    await completeDeviceFlow(signIn.verification_uri_complete, { login: uniqueName('jsonid') });
    expect(await exited).toBe(2); // a new identity: no account to run the command with
    const error = JSON.parse(run.stderr().trim().split('\n').at(-1) ?? '');
    expect(error).toMatchObject({
      type: 'error',
      message: expect.stringContaining('no account is tied'),
    });
  });

  it('links one-shot with a password login: the page and code on stderr, the result on stdout', async () => {
    const run = spawnClient([
      '--port',
      String(server.port),
      '--user',
      'rita',
      '--password-stdin',
      'link',
      PROVIDER,
    ]);
    const exited = new Promise<number | null>((resolve) => run.child.on('exit', resolve));
    run.child.stdin.end(`${PASSWORD}\n`);
    await pollUntil(async () => LINK.test(run.stderr()), 10_000);
    await completeDeviceFlow(LINK.exec(run.stderr())?.[1] ?? '', { login: uniqueName('rlink') });
    expect(await exited).toBe(0);
    expect(run.stdout()).toBe(`your ${PROVIDER} identity is now tied to this account\n`);
  });

  it('a new identity cannot make its account one-shot: exit 2, pointing at the prompt', async () => {
    const run = spawnClient(['--port', String(server.port), '--id', PROVIDER, 'identities']);
    const exited = new Promise<number | null>((resolve) => run.child.on('exit', resolve));
    await pollUntil(async () => LINK.test(run.stderr()), 10_000);
    await completeDeviceFlow(LINK.exec(run.stderr())?.[1] ?? '', { login: uniqueName('fresh') });
    expect(await exited).toBe(2);
    expect(run.stderr()).toContain(
      `super-client: no account is tied to this identity yet; create one with super-client --id ${PROVIDER} (the prompt)`,
    );
    expect(run.stdout()).toBe('');
  });
});

describe('an IdP that is down', () => {
  it('says which provider cannot be reached; the rest keeps working', async () => {
    await idp.stop();
    try {
      const c = await connected();
      await c.run(`login --id ${PROVIDER}`, /error: .*(testidp).*\(provider_unavailable\)/);
      await c.run('login pat', 'password: ');
      await c.run(PASSWORD, 'logged in as pat');
      await c.run('ping', 'pong');
    } finally {
      await idp.restart();
    }
  });
});
