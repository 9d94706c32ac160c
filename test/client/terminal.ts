// A tiny terminal model: enough of a VT100/xterm to know what a person would see on the screen
// (text, cursor position) after readline's cursor moves, line clears and redraws.

// One escape sequence at the start of a string: CSI (with its private marker, parameters and
// final byte captured), OSC, or a short ESC sequence.
const ESCAPE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences start with ESC
  /^\x1b(?:\[([?>]?)([0-9;]*)([ -/]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_()#][0-9A-Za-z]?)/;

/** A screen with unlimited scrollback; rows count from the first line ever written. */
export class TerminalModel {
  private lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  private pending = '';

  constructor(
    readonly cols = 120,
    readonly rows = 30,
  ) {}

  /** Feeds output from the program. Escape sequences split across chunks are kept for later. */
  write(data: string): void {
    const s = this.pending + data;
    this.pending = '';
    let i = 0;
    while (i < s.length) {
      const ch = s[i] as string;
      if (ch === '\x1b') {
        const m = ESCAPE.exec(s.slice(i));
        if (!m) {
          // An incomplete sequence at the end of the chunk: wait for the rest.
          if (s.length - i < 64) {
            this.pending = s.slice(i);
            return;
          }
          i++;
          continue;
        }
        if (m[4] !== undefined) this.csi(m[1] ?? '', m[2] ?? '', m[4]);
        i += m[0].length;
        continue;
      }
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') this.lineFeed();
      else if (ch === '\b') this.col = Math.max(0, this.col - 1);
      else if (ch === '\x07') {
        // bell
      } else if (ch === '\t')
        this.col = Math.min(this.cols - 1, (Math.floor(this.col / 8) + 1) * 8);
      else if (ch >= ' ') this.put(ch);
      i++;
    }
  }

  /**
   * The whole screen (scrollback included), one string per row, trailing spaces removed
   * except on the cursor's row, which reads up to the cursor (see cursorLine).
   */
  text(): string {
    return this.lines
      .map((l, r) => (r === this.row ? this.cursorLine() : l.join('').trimEnd()))
      .join('\n');
  }

  /** The cursor's row: its text without trailing spaces, but at least up to the cursor. */
  cursorLine(): string {
    return (this.lines[this.row] ?? []).join('').trimEnd().padEnd(this.col);
  }

  /** Cursor position: absolute row and column. */
  cursor(): { row: number; col: number } {
    return { row: this.row, col: this.col };
  }

  /** How many rows exist (grows as output scrolls). */
  get rowCount(): number {
    return this.lines.length;
  }

  private top(): number {
    return Math.max(0, this.lines.length - this.rows);
  }

  private line(r: number): string[] {
    while (this.lines.length <= r) this.lines.push([]);
    return this.lines[r] as string[];
  }

  private put(ch: string): void {
    if (this.col >= this.cols) {
      this.lineFeed();
      this.col = 0;
    }
    const l = this.line(this.row);
    while (l.length < this.col) l.push(' ');
    l[this.col] = ch;
    this.col++;
  }

  private lineFeed(): void {
    this.row++;
    this.line(this.row);
  }

  private csi(priv: string, params: string, final: string): void {
    if (priv !== '') return; // private modes (?2004h, ?25l, …) do not change the text
    const nums = params.split(';').map((p) => (p === '' ? undefined : Number(p)));
    const n = nums[0] ?? 1;
    const l = this.line(this.row);
    switch (final) {
      case 'A':
        this.row = Math.max(this.top(), this.row - n);
        break;
      case 'B':
        this.row += n;
        this.line(this.row);
        break;
      case 'C':
        this.col = Math.min(this.cols - 1, this.col + n);
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'G':
        this.col = Math.min(this.cols - 1, Math.max(0, n - 1));
        break;
      case 'H':
      case 'f':
        this.row = this.top() + Math.max(0, (nums[0] ?? 1) - 1);
        this.col = Math.max(0, (nums[1] ?? 1) - 1);
        this.line(this.row);
        break;
      case 'K': {
        const mode = nums[0] ?? 0;
        if (mode === 0) l.length = Math.min(l.length, this.col);
        else if (mode === 1) for (let c = 0; c <= this.col && c < l.length; c++) l[c] = ' ';
        else l.length = 0;
        break;
      }
      case 'J': {
        const mode = nums[0] ?? 0;
        if (mode === 0) {
          l.length = Math.min(l.length, this.col);
          this.lines.length = this.row + 1;
        } else if (mode === 2 || mode === 3) {
          for (let r = this.top(); r < this.lines.length; r++) this.lines[r] = [];
        }
        break;
      }
      default:
      // SGR (m) and anything else: no effect on the text.
    }
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Output with ANSI escape sequences and carriage returns removed. */
export function plainText(raw: string): string {
  return raw.replace(ANSI, '').replace(/\r/g, '');
}
