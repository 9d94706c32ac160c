// The interactive terminal: a readline prompt that can ask (hidden) questions, and print lines
// above the line being typed without breaking it.
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { ClientError, EXIT } from './errors.ts';

/**
 * The stream readline writes to: forwards to the real stdout, except while `muted` (a password
 * is being typed: its echo goes nowhere). Forwards size and resize so line editing still works.
 */
class PromptOutput extends Writable {
  muted = false;

  constructor(private readonly target: NodeJS.WriteStream) {
    super();
    target.on('resize', () => this.emit('resize'));
  }

  get columns(): number {
    return this.target.columns;
  }

  get rows(): number {
    return this.target.rows;
  }

  get isTTY(): boolean {
    return this.target.isTTY === true;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // Written synchronously (no callback wait), so output order matches the direct writes.
    if (!this.muted) this.target.write(chunk);
    cb();
  }
}

/** A pending question: what was asked, whether the answer is hidden, and who waits for it. */
interface Question {
  query: string;
  hidden: boolean;
  resolve: (answer: string) => void;
  reject: (err: Error) => void;
}

/** What a Screen needs. */
export interface ScreenOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WriteStream;
  /** newest first */
  history: string[];
  historySize: number;
  completer: (line: string) => [string[], string];
  /** called with the history (newest first) after each change, minus answers and secrets */
  onHistory: (newestFirst: string[]) => void;
  /** whether a typed line must never enter history */
  isSecret: (line: string) => boolean;
  /** Ctrl-C at the prompt; `lineWasEmpty` tells a press on an empty line from one that cleared text */
  onInterrupt: (lineWasEmpty: boolean) => void;
}

/** A line-editing prompt with questions, a command queue, and printing above the input line. */
export class Screen {
  readonly terminal: boolean;
  private readonly out: PromptOutput;
  private readonly rl: readline.Interface;
  private readonly queue: string[] = [];
  private wake: (() => void) | undefined;
  private question: Question | undefined;
  private closed = false;
  private prompt = '';

  constructor(private readonly opts: ScreenOptions) {
    this.terminal = opts.input.isTTY === true && opts.output.isTTY === true;
    this.out = new PromptOutput(opts.output);
    this.rl = readline.createInterface({
      input: opts.input,
      output: this.out,
      terminal: this.terminal,
      history: opts.history,
      historySize: opts.historySize,
      removeHistoryDuplicates: true,
      completer: (line: string) => (this.question ? [[], line] : opts.completer(line)),
      tabSize: 4,
    });
    this.rl.on('history', (h: string[]) => {
      // The listener may edit the array: answers to questions and secrets never stay.
      if (h.length && (this.question || opts.isSecret(h[0] as string))) h.shift();
      opts.onHistory(h);
    });
    this.rl.on('line', (line) => this.onLine(line));
    this.rl.on('close', () => this.onClose());
    this.rl.on('SIGINT', () => this.onSigint());
  }

  /** True once input has ended (Ctrl-D, end of piped input, or close()). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The next command line: typed ahead lines first; undefined once input has ended. */
  async nextLine(): Promise<string | undefined> {
    for (;;) {
      const line = this.queue.shift();
      if (line !== undefined) return line;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Shows `prompt` and waits for a command line (redrawn with any text typed ahead). */
  setPrompt(prompt: string): void {
    this.prompt = prompt;
    if (!this.question) this.rl.setPrompt(prompt);
  }

  /** Shows the prompt (keeping what is typed ahead) and lets readline draw the input line. */
  showPrompt(): void {
    if (this.closed || !this.terminal || this.question) return;
    this.rl.setPrompt(this.prompt);
    this.rl.prompt(true);
  }

  /** While a command runs: no prompt, but text typed ahead is still shown and kept. */
  hidePrompt(): void {
    if (!this.question) this.rl.setPrompt('');
  }

  /**
   * Asks a question and resolves with the answer. `hidden`: nothing typed is shown (passwords);
   * the answer never enters history. Rejects when the user presses Ctrl-C or input ends.
   */
  ask(query: string, hidden = false): Promise<string> {
    const early = this.queue.shift();
    if (early !== undefined) return Promise.resolve(early);
    if (this.closed) return Promise.reject(new ClientError('cancelled (input ended)', EXIT.usage));
    return new Promise((resolve, reject) => {
      this.question = { query, hidden, resolve, reject };
      this.rl.setPrompt(query);
      if (this.terminal) {
        this.rl.prompt(true);
        this.out.muted = hidden;
      }
    });
  }

  /** Prints text above the input line; the prompt and the partly typed line are redrawn after it. */
  print(text: string): void {
    const stdout = this.opts.output;
    if (!this.terminal || this.closed) {
      stdout.write(`${text}\n`);
      return;
    }
    // Go to the start of the (possibly wrapped) input, clear it, print, draw it again below.
    const rows = this.question?.hidden ? 0 : this.rl.getCursorPos().rows;
    if (rows > 0) readline.moveCursor(stdout, 0, -rows);
    readline.cursorTo(stdout, 0);
    readline.clearScreenDown(stdout);
    stdout.write(`${text}\n`);
    this.redraw();
  }

  /** Ends input; pending questions and nextLine() settle. */
  close(): void {
    this.rl.close();
  }

  private redraw(): void {
    // readline moves up by the rows it last drew before redrawing; we already cleared those.
    (this.rl as unknown as { prevRows: number }).prevRows = 0;
    if (this.question?.hidden) {
      this.opts.output.write(this.question.query);
      return;
    }
    this.rl.prompt(true);
  }

  private onLine(line: string): void {
    const q = this.question;
    if (!q) {
      this.queue.push(line);
      this.wakeUp();
      return;
    }
    this.endQuestion(q);
    q.resolve(line);
  }

  private endQuestion(q: Question): void {
    this.question = undefined;
    this.rl.setPrompt('');
    if (q.hidden && this.terminal) {
      this.out.muted = false;
      this.opts.output.write('\n');
    }
  }

  private onSigint(): void {
    const q = this.question;
    const lineWasEmpty = this.rl.line.length === 0;
    // Drop the typed text: to the end of the line, then delete everything before the cursor.
    this.rl.write(null, { ctrl: true, name: 'e' });
    this.rl.write(null, { ctrl: true, name: 'u' });
    if (q) {
      this.endQuestion(q);
      if (!q.hidden) this.opts.output.write('\n');
      q.reject(new ClientError('cancelled', EXIT.usage));
      return;
    }
    this.opts.onInterrupt(lineWasEmpty);
  }

  private onClose(): void {
    this.closed = true;
    this.out.muted = false;
    const q = this.question;
    if (q) {
      this.question = undefined;
      q.reject(new ClientError('cancelled (input ended)', EXIT.usage));
    }
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
