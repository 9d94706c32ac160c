// What the prompt shows unasked: messages and events as they arrive, and one notice when the
// connection ends, printed after the reply that caused it.
import type { ChatMessage, Client } from '../../client/index.ts';
import { describeError, describeReason } from './errors.ts';
import { formatEvent, jsonEvent } from './render.ts';
import { formatAway } from './render-conversations.ts';
import type { Style } from './style.ts';

const KNOWN_EVENTS = new Set([
  'hello',
  'message',
  'permission_changed',
  'shutdown',
  'disconnect',
  'synced',
  'read',
  'member',
]);

/** Where notices go, and what they need to know about the prompt. */
export interface NoticeOutput {
  print(text: string): void;
  json: boolean;
  style: Style;
  /** "host:port" of the current connection */
  where(): string;
  /** a command is running: connection notices wait for its reply to print first */
  busy(): boolean;
  /** called on every close, offline and online (to redraw the prompt) */
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
  /** group names seen (messages, member events, groups, convs), for completion */
  readonly knownGroups = new Set<string>();
  /** where `reply` answers: the group of the last message, or its sender (a direct one) */
  lastSender: string | undefined;
  /** a disconnect/shutdown notice was shown for this connection */
  private noticeShown = false;
  private readonly queue: Array<() => void> = [];
  /** messages of the replay after a login, shown as one summary at `synced` */
  private away: ChatMessage[] = [];

  constructor(
    private readonly client: Client,
    private readonly out: NoticeOutput,
  ) {
    const c = client;
    c.on('message', (m) => {
      this.knownUsers.add(m.from);
      const group = typeof m.conv === 'string' && m.conv.startsWith('#') ? m.conv : undefined;
      if (group) this.knownGroups.add(group);
      if (m.from !== c.username) this.lastSender = group ?? m.from;
      if (m.replayed && !out.json) this.away.push(m);
      else this.event('message', m);
    });
    c.on('synced', (d) => {
      if (out.json) this.event('synced', d);
      if (d.more || this.away.length === 0) return;
      const away = this.away.splice(0);
      this.later(() => out.print(formatAway(away, c.username, out.style)));
    });
    c.on('read', (d) => this.event('read', d));
    c.on('member', (d) => {
      if (d.change === 'deleted') this.knownGroups.delete(d.conv);
      else this.knownGroups.add(d.conv);
      this.event('member', d);
    });
    c.on('offline', (info) => {
      this.away = [];
      out.onClose();
      const why = describeReason(info.reason);
      this.later(() => this.notice(`* offline (${why}); reconnecting…`, 'offline', info.reason));
    });
    c.on('online', (account) => {
      out.onClose();
      this.later(() => this.notice(`* back online as ${account.username}`, 'online'));
    });
    c.on('resume_failed', (err) => {
      out.onClose();
      const text = `* could not log in again: ${describeError(err, out.where()).text}`;
      this.later(() => this.notice(`${text}; use login`, 'resume_failed'));
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
      if (this.closingOnPurpose || c.isOffline) return; // offline: the notice above says so
      this.later(() => this.closed(info.reason));
    });
  }

  /** Names for completion: who's users, convs' conversations, groups' and members' names. */
  rememberNames(data: unknown): void {
    const d = data as {
      users?: { username?: unknown }[];
      conversations?: unknown[];
      groups?: { conv?: unknown }[];
      members?: { username?: unknown }[];
    };
    for (const g of [
      ...(Array.isArray(d?.groups) ? d.groups.map((x) => x?.conv) : []),
      ...(Array.isArray(d?.conversations)
        ? (d.conversations as { kind?: unknown; conv?: unknown }[])
            .filter((x) => x?.kind === 'group')
            .map((x) => x.conv)
        : []),
    ]) {
      if (typeof g === 'string') this.knownGroups.add(g);
    }
    if (Array.isArray(d?.members)) {
      for (const m of d.members)
        if (typeof m?.username === 'string') this.knownUsers.add(m.username);
    }
    const names = [
      ...(Array.isArray(d?.users) ? d.users.map((u) => u?.username) : []),
      ...(Array.isArray(d?.conversations)
        ? (d.conversations as { kind?: unknown; title?: unknown }[])
            .filter((c) => c?.kind === 'direct')
            .map((c) => c.title)
        : []),
    ];
    for (const n of names) if (typeof n === 'string') this.knownUsers.add(n);
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

  /** A connection-state line: yellow text, or `{type: "state", state, reason}` with --json. */
  private notice(text: string, state: string, reason?: string): void {
    if (this.out.json)
      this.out.print(JSON.stringify({ type: 'state', state, reason: reason ?? null }));
    else this.out.print(this.out.style.yellow(text));
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
