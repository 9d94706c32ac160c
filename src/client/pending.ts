// Requests waiting for their reply: tags from a per-client counter, a timeout on each.
import type { ClientClock, TimerHandle } from './clock.ts';
import { ConnectionClosedError, RequestTimeoutError, ServerError } from './errors.ts';
import type { ServerReply } from './message.ts';

interface Entry {
  action: string;
  resolve: (data: unknown) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

/** Tracks in-flight requests by tag and settles each exactly once. */
export class PendingRequests {
  private readonly entries = new Map<string, Entry>();
  private seq = 0;

  constructor(
    private readonly clock: ClientClock,
    private readonly timeoutMs: number,
  ) {}

  /** How many requests are waiting. */
  get size(): number {
    return this.entries.size;
  }

  /** A tag not used before by this client. */
  nextTag(): string {
    this.seq += 1;
    return String(this.seq);
  }

  /**
   * Registers a request; the promise settles on its reply, timeout, or failAll. `timeoutMs`
   * overrides the client's request timeout for this one request.
   */
  add(tag: string, action: string, timeoutMs = this.timeoutMs): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(() => {
        this.entries.delete(tag);
        reject(new RequestTimeoutError(action, timeoutMs));
      }, timeoutMs);
      this.entries.set(tag, { action, resolve, reject, timer });
    });
  }

  /** Settles the request this reply is for; false when no request has its tag. */
  settle(reply: ServerReply): boolean {
    if (reply.tag === null) return false;
    const entry = this.entries.get(reply.tag);
    if (!entry) return false;
    this.entries.delete(reply.tag);
    this.clock.clearTimer(entry.timer);
    if (reply.ok) entry.resolve(reply.data);
    else {
      const { code, message, retry_after_ms: retry } = reply.error;
      entry.reject(new ServerError(code, message, entry.action, retry));
    }
    return true;
  }

  /** Fails one request without a reply (e.g. it could not be sent). */
  fail(tag: string, err: Error): void {
    const entry = this.entries.get(tag);
    if (!entry) return;
    this.entries.delete(tag);
    this.clock.clearTimer(entry.timer);
    entry.reject(err);
  }

  /** Rejects every waiting request with ConnectionClosedError. */
  failAll(reason?: string, cause?: Error): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const entry of all) {
      this.clock.clearTimer(entry.timer);
      entry.reject(new ConnectionClosedError(reason, cause));
    }
  }
}
