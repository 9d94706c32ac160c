// The prompt's account commands around the question-and-answer flows: login (also --id),
// register, confirm, forgot (before login), passwd, delete-account and link (in a session).
import type { Client } from '../../client/index.ts';
import * as flows from './account-flows.ts';
import { UsageError } from './errors.ts';
import { type IdDialog, linkWithId, loginWithId } from './id-login.ts';
import type { Notices } from './notices.ts';
import { formatIdentity } from './render.ts';
import { type Style, sanitize } from './style.ts';

/** What the account commands need from the prompt. */
export interface AccountDeps extends flows.Dialog {
  client: Client;
  notices: Notices;
  style: Style;
  /** how long to wait for the server to close after delete-account */
  timeoutMs: number;
  /** how the ID login flows draw their QR code */
  qr: IdDialog['qr'];
  /** a signal aborted by the next Ctrl-C while the current command runs */
  cancelSignal(): AbortSignal;
  /** --json: prints one JSON line (the ID login flows' sign-in instructions) */
  json?: (line: string) => void;
}

/** The prompt's account commands; one per prompt. */
export class AccountCommands {
  constructor(private readonly d: AccountDeps) {}

  /** login [username]: asks for the password (hidden); login --id <provider>: ID login. */
  async login(args: string[]): Promise<void> {
    this.requireLoggedOut();
    if (args[0] === '--id') return this.loginWithId(args[1] ?? '');
    const user = args[0] ?? (await this.d.ask('username: '));
    const password = await this.d.ask('password: ', true);
    const account = await this.d.client.login(user.trim(), password);
    this.d.info(`logged in as ${formatIdentity(account, this.d.style)}`);
  }

  /** login --id <provider>: the device flow; a new identity gets an account. */
  private async loginWithId(provider: string): Promise<void> {
    const r = await loginWithId(this.d.client, this.idDialog(), provider);
    const who = formatIdentity(r.account, this.d.style);
    this.d.info(r.registered ? `registered and logged in as ${who}` : `logged in as ${who}`);
  }

  /** link <provider>: the device flow in a session, tying that identity to this account. */
  async link(provider: string): Promise<void> {
    const me = this.d.client.username ?? '';
    const linked = await linkWithId(this.d.client, this.idDialog(), provider);
    this.d.info(`your ${sanitize(linked)} identity is now tied to ${this.d.style.bold(me)}`);
  }

  private idDialog(): IdDialog {
    const d = this.d;
    const signal = d.cancelSignal();
    // Giving up closes the connection on purpose: no "connection lost" notice after it.
    signal.addEventListener('abort', () => {
      d.notices.closingOnPurpose = true;
    });
    return { ask: d.ask, info: d.info, warn: d.warn, qr: d.qr, signal, json: d.json };
  }

  /** register, confirm and forgot: the question-and-answer commands before login. */
  async beforeLogin(name: string, args: string[]): Promise<void> {
    this.requireLoggedOut();
    const { client } = this.d;
    const dialog = this.d;
    if (name === 'forgot') {
      const { user, pw } = await flows.forgot(client, dialog);
      this.d.info(`the password of ${user} is reset`);
      const answer = (await this.d.ask('log in now? [Y/n] ')).trim().toLowerCase();
      if (answer !== '' && !answer.startsWith('y')) return;
      const account = await client.login(user, pw);
      this.d.info(`logged in as ${formatIdentity(account, this.d.style)}`);
      return;
    }
    const account =
      name === 'register'
        ? await flows.register(client, dialog, args[0])
        : await flows.confirm(client, dialog, args[0], args[1]);
    this.d.info(`registered and logged in as ${formatIdentity(account, this.d.style)}`);
  }

  /** passwd and delete-account: the question-and-answer commands of a session. */
  async inSession(name: string): Promise<void> {
    if (!this.d.client.isLoggedIn) {
      throw new UsageError(`${name} needs you to be logged in (use login first)`);
    }
    if (name === 'passwd') {
      await flows.passwd(this.d.client, this.d);
      this.d.info('password changed; your other sessions (if any) were logged out');
      return;
    }
    const me = this.d.client.username;
    this.d.notices.expectedReason = 'account_deleted';
    try {
      await flows.deleteAccount(this.d.client, this.d);
    } catch (err) {
      this.d.notices.expectedReason = undefined;
      throw err;
    }
    await this.closed();
    this.d.info(`the account ${me} is deleted; disconnected`);
  }

  /** Resolves once the server has closed the connection (or closes it after the timeout). */
  private async closed(): Promise<void> {
    const c = this.d.client;
    if (!c.isConnected) return;
    const timer = setTimeout(() => c.close(), this.d.timeoutMs);
    await new Promise((resolve) => c.once('close', resolve));
    clearTimeout(timer);
  }

  private requireLoggedOut(): void {
    if (!this.d.client.isConnected) {
      throw new UsageError('not connected (use connect [host[:port]] first)');
    }
    if (this.d.client.isLoggedIn) {
      throw new UsageError(`already logged in as ${this.d.client.username} (type exit first)`);
    }
  }
}
