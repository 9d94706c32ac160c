// What the prompt shows unasked: messages and events as they arrive, and one notice when the
// connection ends, printed after the reply that caused it.
import type { Client } from '../../client/index.ts';
import { describeReason } from './errors.ts';
import { formatEvent, jsonEvent } from './render.ts';
import type { Style } from './style.ts';

const KNOWN_EVENTS = new Set(['hello', 'message', 'permission_changed', 'shutdown', 'disconnect']);

/** Where notices go, and what they need to know about the prompt. */
export interface NoticeOutput {
  print(text: string): void;
  json: boolean;
  style: Style;
  /** "host:port" of the current connection */
  where(): string;
  /** a command is running: connection notices wait for its reply to print first */
  busy(): boolean;
  /** called on every close (to redraw the prompt) */
  onClose(): void;
}

/** Listens to one Client for the whole session and prints what a person should see. */
export class Notices {
  /** set while we close the connection ourselves (exit/quit): no "connection lost" notice */
  closingOnPurpose = false;
  /** a disconnect reason this client caused and announces itself (account_deleted) */
  expectedReason: string | undefined;
  /** user names seen in messages (the prompt adds those from `who`), for completion */
  readonly knownUsers = new Set<string>();
  /** who sent the last message to this user, for `reply` */
  lastSender: string | undefined;
  /** a disconnect/shutdown notice was shown for this connection */
  private noticeShown = false;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly client: Client,
    private readonly out: NoticeOutput,
  ) {
    const c = client;
    c.on('message', (m) => {
      this.knownUsers.add(m.from);
      if (m.from !== c.username) this.lastSender = m.from;
      this.event('message', m);
    });
    c.on('permission_changed', (d) => this.event('permission_changed', d));
    c.on('shutdown', (d) => {
      this.noticeShown = true;
      this.later(() => this.event('shutdown', d));
    });
    c.on('disconnect', (d) => {
      this.noticeShown = true;
      if (this.closingOnPurpose && d.reason === 'logged_out') return;
      if (d.reason === this.expectedReason) {
        this.closingOnPurpose = true;
        return;
      }
      this.later(() => this.event('disconnect', d));
    });
    c.on('event', (ev) => {
      if (!KNOWN_EVENTS.has(ev.event)) this.event(ev.event, ev.data);
    });
    c.on('close', (info) => {
      this.expectedReason = undefined;
      out.onClose();
      if (this.closingOnPurpose) return;
      this.later(() => this.closed(info.reason));
    });
  }

  /** A new connection starts: no notice shown yet, none expected. */
  reset(): void {
    this.closingOnPurpose = false;
    this.noticeShown = false;
  }

  /**
   * Shows a notice about the connection ending. While a command runs it waits one turn, so the
   * reply that caused it (say, a third wrong password) is printed first; notices keep order.
   */
  private later(show: () => void): void {
    if (!this.out.busy() && this.queue.length === 0) {
      show();
      return;
    }
    this.queue.push(show);
    if (this.queue.length === 1) {
      setImmediate(() => {
        for (const next of this.queue.splice(0)) next();
      });
    }
  }

  private closed(reason: string | undefined): void {
    const { out } = this;
    if (out.json) out.print(JSON.stringify({ type: 'closed', reason: reason ?? null }));
    else if (this.noticeShown) out.print(out.style.dim(`connection to ${out.where()} closed`));
    else out.print(out.style.yellow(`* connection lost: ${describeReason(reason)}`));
  }

  private event(name: string, data: unknown): void {
    if (this.out.json) {
      this.out.print(jsonEvent(name, data));
      return;
    }
    const text = formatEvent(name, data, this.out.style, this.client.username);
    if (text !== undefined) this.out.print(text);
  }
}
