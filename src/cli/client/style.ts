// Terminal colours for super-client: plain ANSI codes, on only for a TTY without NO_COLOR.

/** The styles the client uses; each wraps text, or returns it as is when colours are off. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
}

/**
 * Whether to colour output written to `stream`: never when NO_COLOR is set to a non-empty value
 * (https://no-color.org), always when FORCE_COLOR is set to anything but '0' or 'false',
 * otherwise only when the stream is a terminal.
 */
export function wantsColor(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined>,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  return stream.isTTY === true;
}

const wrap = (open: number, close: number) => (text: string) =>
  `\x1b[${open}m${text}\x1b[${close}m`;

const plain = (text: string) => text;

/** A Style that colours when `enabled`, and passes text through otherwise. */
export function makeStyle(enabled: boolean): Style {
  if (!enabled) {
    return {
      enabled,
      bold: plain,
      dim: plain,
      red: plain,
      green: plain,
      yellow: plain,
      blue: plain,
      magenta: plain,
      cyan: plain,
    };
  }
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  };
}

// C0 controls except tab and newline, DEL, and C1 controls (incl. the 8-bit CSI).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Makes text from the network safe to print: control characters (ESC, CR, BEL, …) become
 * visible `\xNN` escapes, so another user cannot move the cursor, recolour or clear the screen.
 * Tabs and newlines are kept.
 */
export function sanitize(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Removes ANSI escape sequences (CSI, OSC and two-byte escapes) from `text`. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
