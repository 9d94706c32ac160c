// Splits a byte stream into NDJSON lines, never holding more than the frame limit.

/** What the framer produced from a chunk: complete lines, then maybe an overflow. */
export interface FramerOutput {
  lines: Buffer[];
  /** True when a line exceeded the limit; the framer stops and must be discarded. */
  tooLarge: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Incremental line framer. Sizes count the bytes of the JSON text without its
 * line ending (`\n` or `\r\n`). Lines are returned as raw bytes so a
 * multi-byte UTF-8 character split across chunks is decoded whole later.
 */
export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed = false;

  constructor(private limit: number) {}

  /** Changes the limit, e.g. when the connection gets a session. */
  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** Feeds a chunk; returns the complete lines it finished. */
  push(chunk: Buffer): FramerOutput {
    const lines: Buffer[] = [];
    if (this.failed) return { lines, tooLarge: true };
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        this.keep(chunk.subarray(start));
        if (this.overLimitWithoutNewline()) return this.fail(lines);
        break;
      }
      const line = this.take(chunk.subarray(start, nl));
      start = nl + 1;
      if (line.length > this.limit) return this.fail(lines);
      lines.push(line);
    }
    return { lines, tooLarge: false };
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    // Copy: the socket may reuse its chunk buffer.
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }

  /** Joins what was pending with the tail before the newline, minus a trailing CR. */
  private take(tail: Buffer): Buffer {
    let line = tail;
    if (this.pendingBytes > 0) {
      line = Buffer.concat([...this.pending, tail], this.pendingBytes + tail.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line;
  }

  /** A pending line may be limit bytes plus a CR that the coming LF will strip. */
  private overLimitWithoutNewline(): boolean {
    if (this.pendingBytes <= this.limit) return false;
    if (this.pendingBytes > this.limit + 1) return true;
    const last = this.pending[this.pending.length - 1];
    return last === undefined || last[last.length - 1] !== CR;
  }

  private fail(lines: Buffer[]): FramerOutput {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    return { lines, tooLarge: true };
  }
}
