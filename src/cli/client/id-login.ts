// ID login at the terminal: the device flow (login --id, link) shows the page, the code and a QR
// code, waits for the person to sign in at the identity provider, and registers a new identity.
import QRCode from 'qrcode';
import {
  type Account,
  type Client,
  type DeviceFlow,
  isIdentityLinked,
  isNewIdentity,
  type NewIdentity,
  ServerError,
} from '../../client/index.ts';
import { askValid, confirmWithCode, DEV_OUTBOX_HINT, type Dialog } from './account-flows.ts';
import { ClientError, describeError, EXIT } from './errors.ts';
import { emailProblem, usernameProblem } from './local-checks.ts';
import { sanitize } from './style.ts';

/** What the ID login flows need besides questions: how to show the flow, and a cancel signal. */
export interface IdDialog extends Dialog {
  /** draw a QR code of the sign-in link: black on white, in plain blocks, or not (--json) */
  qr: 'color' | 'plain' | false;
  /** aborted when the person gives up waiting (Ctrl-C); the connection then closes */
  signal?: AbortSignal;
  /** --json: writes the flow as one JSON line (`{"type": "sign_in", …}`) instead of the text */
  json?: (line: string) => void;
}

/** How a login --id ended: the session's account, and whether it was made just now. */
export interface IdLoginResult {
  account: Account;
  registered: boolean;
}

/** The QR code of `text` in half-height blocks: black on white (colour) or plain blocks. */
export async function qrText(text: string, color: boolean): Promise<string> {
  const out = color
    ? await QRCode.toString(text, { type: 'terminal', small: true })
    : await QRCode.toString(text, { type: 'utf8', margin: 2 });
  return out.replace(/\n+$/, '');
}

/** "10 minutes" for a flow's expires_in. */
function minutes(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} seconds`;
  return `${Math.round(seconds / 60)} minutes`;
}

/** Shows where to sign in and the code (and the QR code), as `gh auth login` does. */
async function showFlow(d: IdDialog, provider: string, flow: DeviceFlow): Promise<void> {
  if (d.json) {
    d.json(JSON.stringify({ type: 'sign_in', provider, ...flow }));
    return;
  }
  const complete = flow.verification_uri_complete;
  d.info(
    `sign in with ${sanitize(provider)}: open ${sanitize(flow.verification_uri)} and enter the code ${sanitize(flow.user_code)}`,
  );
  if (d.qr && complete) {
    d.info(`or open ${sanitize(complete)}, or scan this with your phone:`);
    d.info(await qrText(complete, d.qr === 'color'));
  } else if (complete) d.info(`or open ${sanitize(complete)}`);
  d.info(
    `waiting for you to sign in (the code is valid ${minutes(flow.expires_in)}; Ctrl-C gives up)`,
  );
}

/** Waits for the device flow; a Ctrl-C closes the connection and says so. */
async function waitForSignIn(client: Client, d: IdDialog) {
  try {
    return await client.oidcWait({ signal: d.signal });
  } catch (err) {
    if (d.signal?.aborted) {
      throw new ClientError(
        'cancelled: stopped waiting for the sign-in; disconnected (connect to try again)',
        EXIT.usage,
      );
    }
    throw err;
  }
}

const isCode = (err: unknown, code: string) => err instanceof ServerError && err.code === code;

/**
 * `login --id <provider>`: the device flow, then the identity's account is logged in; a new
 * identity gets an account (username asked, the suggested one by default).
 */
export async function loginWithId(
  client: Client,
  d: IdDialog,
  provider: string,
): Promise<IdLoginResult> {
  await showFlow(d, provider, await client.oidcStart(provider));
  const r = await waitForSignIn(client, d);
  if (isIdentityLinked(r))
    throw new ClientError('the server linked an identity instead of logging in');
  if (!isNewIdentity(r)) return { account: r, registered: false };
  d.info(`no account is tied to this ${sanitize(provider)} identity yet: creating one`);
  return { account: await registerIdentity(client, d, r), registered: true };
}

/**
 * After `{link: "new"}`: asks for a username (Enter takes the suggested one) and makes the
 * account; asks again for what the server refused, and for an email when the provider gave
 * no verified one.
 */
async function registerIdentity(client: Client, d: IdDialog, r: NewIdentity): Promise<Account> {
  const suggested = sanitize(r.suggested_username);
  const askUser = async () => {
    const typed = (await d.ask(`username (Enter for ${suggested}): `)).trim();
    const user = typed || r.suggested_username;
    const p = usernameProblem(user);
    if (p === undefined) return user;
    d.warn(p);
    return askValid(d, 'username: ', 'username', usernameProblem);
  };
  let user = await askUser();
  let email: string | undefined;
  for (;;) {
    try {
      const reg = await client.oidcRegister(user, email);
      if (!reg.confirm)
        return { id: reg.id, username: reg.username, level: client.level ?? 'basic' };
      d.info(`a 6-digit code was emailed to ${email ?? 'your address'} (${DEV_OUTBOX_HINT})`);
      return await confirmWithCode(client, d, reg.username);
    } catch (err) {
      if (isCode(err, 'username_taken')) {
        d.warn(describeError(err).text);
        user = await askUser();
      } else if (needsEmail(err) || isCode(err, 'email_taken')) {
        if (email !== undefined || isCode(err, 'email_taken')) d.warn(describeError(err).text);
        else d.info('the provider gave no verified email: type one (a code is sent to it)');
        email = await askValid(d, 'email: ', 'email', emailProblem);
      } else throw err;
    }
  }
}

/** The server wants an email with the username: the identity had no verified email claim. */
function needsEmail(err: unknown): boolean {
  return isCode(err, 'invalid_input') && /verified email/i.test((err as Error).message);
}

/** `link <provider>`: the device flow in a session; resolves with the provider linked. */
export async function linkWithId(client: Client, d: IdDialog, provider: string): Promise<string> {
  await showFlow(d, provider, await client.linkIdentity(provider));
  const r = await waitForSignIn(client, d);
  if (!isIdentityLinked(r))
    throw new ClientError('the server did not confirm the link', EXIT.server);
  return r.linked;
}
