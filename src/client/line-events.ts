// The bookkeeping every client transport shares: line and close listeners,
// lines that arrive before anyone listens, and the first error that ended the
// connection. No Node module, so the browser's WebSocket transport can use it.

/** Base of the SDK's transports: subclasses feed it lines and the close; it calls the listeners. */
export abstract class LineEvents {
  private readonly lineCbs: Array<(line: string) => void> = [];
  private readonly closeCbs: Array<(err?: Error) => void> = [];
  /** Lines that arrived before anyone listened. */
  private early: string[] = [];
  /** The first error seen; it is what onClose callbacks receive. */
  private error: Error | undefined;
  /** True once the close was announced. */
  protected closed = false;

  /** Called with each line received, without its line ending; lines that came before are replayed. */
  onLine(cb: (line: string) => void): void {
    this.lineCbs.push(cb);
    const early = this.early;
    this.early = [];
    for (const line of early) cb(line);
  }

  /** Called once when the connection is gone, with the error that ended it, if any. */
  onClose(cb: (err?: Error) => void): void {
    if (this.closed) queueMicrotask(() => cb(this.error));
    else this.closeCbs.push(cb);
  }

  /** Hands one received line to the listeners, or keeps it until the first one comes. */
  protected deliverLine(line: string): void {
    if (this.lineCbs.length === 0) this.early.push(line);
    else for (const cb of this.lineCbs) cb(line);
  }

  /** Records why the connection ends; only the first reason is kept. */
  protected noteError(err: Error): void {
    this.error ??= err;
  }

  /** Announces the close to the listeners, once. */
  protected announceClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.closeCbs.splice(0)) cb(this.error);
  }
}
