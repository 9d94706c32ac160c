// The interactive prompt: connect, register/login with hidden passwords, commands, live events.
import { Client } from '../../client/index.ts';
import { AccountCommands } from './account-commands.ts';
import { findCommand } from './commands.ts';
import { completions } from './completion.ts';
import { ConnectionCommands } from './connection-commands.ts';
import { describeError, UsageError } from './errors.ts';
import {
  checkMessageText,
  execute,
  type Result,
  type Runnable,
  type RunOptions,
  wireAction,
} from './execute.ts';
import { sendMessage } from './group-execute.ts';
import { GroupPrompt } from './group-prompt.ts';
import { commandHelp, promptHelp } from './help.ts';
import { HISTORY_SIZE, isSecretLine, loadHistory, saveHistory } from './history.ts';
import { Notices } from './notices.ts';
import { parseLine } from './parse.ts';
import { formatReply, jsonError, jsonReply } from './render.ts';
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
  private busy = false;
  private interruptArmed = false;
  /** what the next Ctrl-C aborts while a command runs (an ID login's wait) */
  private cancel: AbortController | undefined;
  private readonly notices: Notices;
  /** login, register, confirm, forgot, passwd, delete-account */
  private readonly accounts: AccountCommands;
  /** the current conversation, delete-group, group names */
  private readonly groups: GroupPrompt;
  /** connect, exit, and the server address */
  private readonly connection: ConnectionCommands;

  constructor(private readonly opts: InteractiveOptions) {
    this.s = makeStyle(opts.color);
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
    // reconnect: the SDK logs in again and resends what was typed while offline
    this.client = new Client({
      requestTimeoutMs: opts.timeoutMs,
      heartbeat: true,
      reconnect: true,
    });
    // Redraws the prompt when the state it shows changed while no command runs.
    const refreshPrompt = () => {
      if (!this.busy) this.screen.setPrompt(this.promptText());
    };
    this.notices = new Notices(this.client, {
      print: (text) => this.screen.print(text),
      json: opts.json,
      style: this.s,
      where: () => this.connection.where,
      busy: () => this.busy,
      onClose: refreshPrompt,
    });
    // What every command group gets from the prompt.
    const common = {
      client: this.client,
      notices: this.notices,
      style: this.s,
      ask: (query: string, hidden?: boolean) => this.screen.ask(query, hidden),
      info: (text: string) => this.info(text),
    };
    this.accounts = new AccountCommands({
      ...common,
      timeoutMs: opts.timeoutMs,
      warn: (text) => this.warn(text),
      qr: opts.json || !this.screen.terminal ? false : opts.color ? 'color' : 'plain',
      json: opts.json ? (line) => this.screen.print(line) : undefined,
      cancelSignal: () => {
        this.cancel = new AbortController();
        return this.cancel.signal;
      },
    });
    this.groups = new GroupPrompt({ ...common, changed: refreshPrompt });
    this.connection = new ConnectionCommands({
      ...common,
      options: opts,
      clearGroups: () => this.groups.clear(),
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
        this.cancel = undefined;
      }
      if (quit) break;
    }
    await this.leave();
    return 0;
  }

  private promptText(): string {
    const { s, client } = this;
    const where = s.cyan(this.connection.where);
    const current = this.groups.current;
    const conv = current === undefined ? '' : ` ${s.bold(s.cyan(current))}`;
    if (client.isOffline)
      return `${s.bold(client.username ?? '?')}@${where} ${s.yellow('(offline)')}${conv}> `;
    if (!client.isConnected) return `${s.bold('super')}> `;
    if (!client.isLoggedIn) return `${where}> `;
    return `${s.bold(s.green(client.username ?? '?'))}@${where}${conv}> `;
  }

  private completionContext() {
    return {
      users: [...this.notices.knownUsers],
      groups: [...this.notices.knownGroups],
      address: this.connection.where,
    };
  }

  /** Runs one typed line; resolves true when the client should end. */
  private async handle(line: string): Promise<boolean> {
    const parsed = parseLine(line);
    if (parsed.kind === 'empty') return false;
    const to = this.groups.plainTextTarget;
    if (parsed.kind === 'unknown' && to !== undefined && !line.trimStart().startsWith('/')) {
      return this.say(to, line.trim()).then(() => false);
    }
    if (parsed.kind === 'usage' || parsed.kind === 'unknown') throw new UsageError(parsed.message);
    {
      const { spec, args } = parsed;
      switch (spec.name) {
        case 'connect':
          return this.connection.connect(args[0]).then(() => false);
        case 'login':
          return this.accounts.login(args).then(() => this.loggedIn());
        case 'link':
          this.requireSession('link');
          return this.accounts.link(args[0] ?? '').then(() => false);
        case 'register':
        case 'confirm':
        case 'forgot':
          return this.accounts.beforeLogin(spec.name, args).then(() => this.loggedIn());
        case 'switch':
          this.groups.switchTo(args[0]);
          return false;
        case 'delete-group':
          this.requireSession('delete-group');
          this.info(await this.groups.deleteGroup(args[0] ?? ''));
          return false;
        case 'passwd':
        case 'delete-account':
          return this.accounts.inSession(spec.name).then(() => false);
        case 'exit':
          return this.connection.exit().then(() => false);
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

  /** After a login: fetch the group names for completion. */
  private loggedIn(): boolean {
    this.groups.refreshGroups();
    return false;
  }

  private requireSession(name: string): void {
    if (!this.client.isLoggedIn) {
      throw new UsageError(`${name} needs you to be logged in (use login or register first)`);
    }
  }

  /** Plain text: a msg to the current conversation. */
  private async say(to: string, text: string): Promise<void> {
    const msg = findCommand('msg');
    if (!msg) throw new UsageError('msg is missing from the command table');
    await this.runCommand({ kind: 'command', spec: msg, args: [to, text] });
  }

  private async runCommand(r: Runnable): Promise<void> {
    if (r.spec.name === 'msg' && this.client.isOffline) {
      this.queueMessage(r);
      return;
    }
    this.printResult(r, await execute(this.client, r));
  }

  private printResult(r: Runnable, result: Result, note = ''): void {
    const name = r.spec.name;
    if (this.opts.json) {
      this.screen.print(jsonReply(name, wireAction(r), result));
      return;
    }
    if (['who', 'convs', 'groups', 'members'].includes(name))
      this.notices.rememberNames(result.data);
    this.screen.print(formatReply(name, r.args, result, this.s) + note);
  }

  /** msg while offline: the SDK keeps it (with its client_id) and sends it once back online. */
  private queueMessage(r: Runnable): void {
    const [to = '', text = ''] = r.args;
    checkMessageText(text);
    sendMessage(this.client, to, text).then(
      (data) => this.printResult(r, { data }, this.s.dim(' (typed while offline)')),
      (err) => this.printError(err),
    );
    this.info(this.s.dim(`offline: the message to ${to} is queued and goes out once reconnected`));
  }

  /** `reply <text…>`: msg to the group of the last message, or to its sender. */
  private async reply(text: string): Promise<void> {
    const to = this.notices.lastSender;
    if (to === undefined) throw new UsageError('nobody has sent you a message yet');
    await this.say(to, text);
  }

  private async leave(): Promise<void> {
    await this.connection.leave();
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
    const d = describeError(err, this.connection.where);
    if (this.opts.json) {
      this.screen.print(jsonError(d.text, d.code));
      return;
    }
    this.screen.print(`${this.s.red('error:')} ${d.text}`);
  }

  private onInterrupt(lineWasEmpty: boolean): void {
    if (this.busy && this.cancel) {
      this.cancel.abort();
      this.cancel = undefined;
      return;
    }
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
