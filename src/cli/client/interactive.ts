// The interactive prompt: connect, register/login with hidden passwords, commands, live events.
import { Client } from '../../client/index.ts';
import * as flows from './account-flows.ts';
import { findCommand } from './commands.ts';
import { completions } from './completion.ts';
import { describeError, UsageError } from './errors.ts';
import { execute, type Runnable, type RunOptions, wireAction } from './execute.ts';
import { commandHelp, promptHelp } from './help.ts';
import { HISTORY_SIZE, isSecretLine, loadHistory, saveHistory } from './history.ts';
import { Notices } from './notices.ts';
import { parseAddress, parseLine } from './parse.ts';
import { formatIdentity, formatReply, jsonError, jsonReply } from './render.ts';
import { Screen } from './screen.ts';
import { makeStyle, type Style } from './style.ts';

/** What the interactive client is started with (from the command-line flags). */
export interface InteractiveOptions extends RunOptions {
  historyFile: string | undefined;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WriteStream;
}

/** The read-eval-print loop; one per process. */
class Repl {
  private readonly s: Style;
  private readonly screen: Screen;
  private readonly client: Client;
  private address: { host: string; port: number };
  private busy = false;
  private interruptArmed = false;
  private readonly notices: Notices;
  /** what flows print through and ask with */
  private readonly dialog: flows.Dialog;

  constructor(private readonly opts: InteractiveOptions) {
    this.s = makeStyle(opts.color);
    this.address = { host: opts.host, port: opts.port };
    this.screen = new Screen({
      input: opts.input,
      output: opts.output,
      history: loadHistory(opts.historyFile),
      historySize: HISTORY_SIZE,
      completer: (line) => completions(line, this.completionContext()),
      onHistory: (h) => saveHistory(opts.historyFile, h),
      isSecret: isSecretLine,
      onInterrupt: (empty) => this.onInterrupt(empty),
    });
    this.client = new Client({ requestTimeoutMs: opts.timeoutMs, heartbeat: true });
    this.dialog = {
      ask: (query, hidden) => this.screen.ask(query, hidden),
      info: (text) => this.info(text),
      warn: (text) => this.warn(text),
    };
    this.notices = new Notices(this.client, {
      print: (text) => this.screen.print(text),
      json: opts.json,
      style: this.s,
      where: () => `${this.address.host}:${this.address.port}`,
      busy: () => this.busy,
      onClose: () => {
        if (!this.busy) this.screen.setPrompt(this.promptText());
      },
    });
  }

  /** Runs until quit or end of input; resolves with the exit status. */
  async run(initial: string[]): Promise<number> {
    this.screen.setPrompt(this.promptText());
    if (this.screen.terminal && !this.opts.json) {
      this.screen.print(this.s.dim('super-client — type help for commands, quit to leave'));
    }
    const pending = [...initial];
    for (;;) {
      this.screen.setPrompt(this.promptText());
      this.screen.showPrompt();
      const line = pending.shift() ?? (await this.screen.nextLine());
      if (line === undefined) break;
      this.interruptArmed = false;
      this.busy = true;
      this.screen.hidePrompt();
      let quit = false;
      try {
        quit = await this.handle(line);
      } catch (err) {
        this.printError(err);
      } finally {
        this.busy = false;
      }
      if (quit) break;
    }
    await this.leave();
    return 0;
  }

  private promptText(): string {
    const { s, client } = this;
    if (!client.isConnected) return `${s.bold('super')}> `;
    const where = s.cyan(`${this.address.host}:${this.address.port}`);
    if (!client.isLoggedIn) return `${where}> `;
    return `${s.bold(s.green(client.username ?? '?'))}@${where}> `;
  }

  private completionContext() {
    return {
      users: [...this.notices.knownUsers],
      address: `${this.address.host}:${this.address.port}`,
    };
  }

  /** Runs one typed line; resolves true when the client should end. */
  private async handle(line: string): Promise<boolean> {
    const parsed = parseLine(line);
    if (parsed.kind === 'empty') return false;
    if (parsed.kind === 'usage' || parsed.kind === 'unknown') throw new UsageError(parsed.message);
    {
      const { spec, args } = parsed;
      switch (spec.name) {
        case 'connect':
          return this.connect(args[0]).then(() => false);
        case 'login':
          return this.login(args[0]).then(() => false);
        case 'register':
        case 'confirm':
        case 'forgot':
          return this.beforeLogin(spec.name, args).then(() => false);
        case 'passwd':
        case 'delete-account':
          return this.inSession(spec.name).then(() => false);
        case 'exit':
          return this.exit().then(() => false);
        case 'quit':
          return true;
        case 'reply':
          return this.reply(args[0] ?? '').then(() => false);
        case 'help':
          this.screen.print(args[0] ? commandHelp(args[0], this.s) : promptHelp(this.s));
          return false;
        case 'listen':
          throw new UsageError(
            'listen is for one-shot use (super-client listen); here events print by themselves',
          );
      }
    }
    await this.runCommand(parsed);
    return false;
  }

  private async runCommand(r: Runnable): Promise<void> {
    const result = await execute(this.client, r);
    const name = r.spec.name;
    if (this.opts.json) {
      this.screen.print(jsonReply(name, wireAction(r), result));
      return;
    }
    if (name === 'who') this.rememberUsers(result.data);
    this.screen.print(formatReply(name, r.args, result, this.s));
  }

  private async connect(target: string | undefined): Promise<void> {
    if (this.client.isConnected) {
      const at = `${this.address.host}:${this.address.port}`;
      throw new UsageError(`already connected to ${at} (type exit to disconnect first)`);
    }
    const address = parseAddress(target, this.address);
    const where = `${address.host}:${address.port}`;
    this.notices.reset();
    try {
      const hello = await this.client.connect({
        ...address,
        tls: this.opts.tls,
        connectTimeoutMs: this.opts.timeoutMs,
      });
      this.address = address;
      const server = `${hello.server} ${hello.version}, protocol ${hello.protocol}`;
      this.info(`connected to ${this.s.cyan(where)} (${server}); now login or register`);
    } catch (err) {
      const d = describeError(err, where);
      throw new UsageError(
        d.text.startsWith('could not') ? d.text : `could not connect to ${where}: ${d.text}`,
      );
    }
  }

  private async login(username: string | undefined): Promise<void> {
    this.requireLoggedOut();
    const user = username ?? (await this.screen.ask('username: '));
    const password = await this.screen.ask('password: ', true);
    const account = await this.client.login(user.trim(), password);
    this.info(`logged in as ${formatIdentity(account, this.s)}`);
  }

  /** register, confirm and forgot: the question-and-answer commands before login. */
  private async beforeLogin(name: string, args: string[]): Promise<void> {
    this.requireLoggedOut();
    const { client, dialog } = this;
    if (name === 'forgot') {
      const { user, pw } = await flows.forgot(client, dialog);
      this.info(`the password of ${user} is reset`);
      const answer = (await this.screen.ask('log in now? [Y/n] ')).trim().toLowerCase();
      if (answer !== '' && !answer.startsWith('y')) return;
      const account = await client.login(user, pw);
      this.info(`logged in as ${formatIdentity(account, this.s)}`);
      return;
    }
    const account =
      name === 'register'
        ? await flows.register(client, dialog, args[0])
        : await flows.confirm(client, dialog, args[0], args[1]);
    this.info(`registered and logged in as ${formatIdentity(account, this.s)}`);
  }

  /** passwd and delete-account: the question-and-answer commands of a session. */
  private async inSession(name: string): Promise<void> {
    if (!this.client.isLoggedIn) {
      throw new UsageError(`${name} needs you to be logged in (use login first)`);
    }
    if (name === 'passwd') {
      await flows.passwd(this.client, this.dialog);
      this.info('password changed; your other sessions (if any) were logged out');
      return;
    }
    const me = this.client.username;
    this.notices.expectedReason = 'account_deleted';
    try {
      await flows.deleteAccount(this.client, this.dialog);
    } catch (err) {
      this.notices.expectedReason = undefined;
      throw err;
    }
    await this.closed();
    this.info(`the account ${me} is deleted; disconnected`);
  }

  /** Resolves once the server has closed the connection (or closes it after the timeout). */
  private async closed(): Promise<void> {
    const c = this.client;
    if (!c.isConnected) return;
    const timer = setTimeout(() => c.close(), this.opts.timeoutMs);
    await new Promise((resolve) => c.once('close', resolve));
    clearTimeout(timer);
  }

  private requireLoggedOut(): void {
    if (!this.client.isConnected) {
      throw new UsageError('not connected (use connect [host[:port]] first)');
    }
    if (this.client.isLoggedIn) {
      throw new UsageError(`already logged in as ${this.client.username} (type exit first)`);
    }
  }

  /** Logs out when logged in, and disconnects; the client keeps running. */
  private async exit(): Promise<void> {
    if (!this.client.isConnected) throw new UsageError('not connected');
    const where = `${this.address.host}:${this.address.port}`;
    const wasLoggedIn = this.client.isLoggedIn;
    await this.disconnect();
    this.info(
      wasLoggedIn ? `logged out; disconnected from ${where}` : `disconnected from ${where}`,
    );
  }

  private async disconnect(): Promise<void> {
    this.notices.closingOnPurpose = true;
    if (this.client.isLoggedIn) {
      try {
        await this.client.logout();
      } catch {
        // The connection ends either way.
      }
    }
    this.client.close();
  }

  /** `reply <text…>`: msg to whoever last sent this user a message. */
  private async reply(text: string): Promise<void> {
    const to = this.notices.lastSender;
    if (to === undefined) throw new UsageError('nobody has sent you a message yet');
    const msg = findCommand('msg');
    if (!msg) throw new UsageError('msg is missing from the command table');
    await this.runCommand({ kind: 'command', spec: msg, args: [to, text] });
  }

  private async leave(): Promise<void> {
    if (this.client.isConnected) await this.disconnect();
    this.screen.close();
  }

  private info(text: string): void {
    if (this.opts.json) return;
    this.screen.print(text);
  }

  private warn(text: string): void {
    if (this.opts.json) this.screen.print(jsonError(text));
    else this.screen.print(`${this.s.red('error:')} ${text}`);
  }

  private printError(err: unknown): void {
    const d = describeError(err, `${this.address.host}:${this.address.port}`);
    if (this.opts.json) {
      this.screen.print(jsonError(d.text, d.code));
      return;
    }
    this.screen.print(`${this.s.red('error:')} ${d.text}`);
  }

  private rememberUsers(data: unknown): void {
    const users = (data as { users?: { username?: unknown }[] })?.users;
    if (!Array.isArray(users)) return;
    for (const u of users)
      if (typeof u?.username === 'string') this.notices.knownUsers.add(u.username);
  }

  private onInterrupt(lineWasEmpty: boolean): void {
    if (!lineWasEmpty) return;
    if (this.interruptArmed) {
      this.screen.close();
      return;
    }
    this.interruptArmed = true;
    this.screen.print(this.s.dim('(press Ctrl-C again, or type quit, to leave)'));
  }
}

/** Starts the interactive client; `initial` lines run first as if typed. Resolves with the exit status. */
export function runInteractive(opts: InteractiveOptions, initial: string[] = []): Promise<number> {
  return new Repl(opts).run(initial);
}
