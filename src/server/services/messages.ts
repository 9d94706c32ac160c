// Direct messages between live sessions.
import type { PresentUser } from '../../broker/broker.ts';
import { ActionError } from '../../protocol/errors.ts';
import type { Storage } from '../../storage/storage.ts';
import type { Clock, Random } from '../clock.ts';
import type { Sessions } from './sessions.ts';

/** The reply to message_user. */
export interface SendResult {
  id: string;
  delivered: boolean;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The time part of a message id: 10 Crockford base-32 characters of the milliseconds. */
export function idTimePart(nowMs: number): string {
  let time = nowMs;
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  return head;
}

/** A sortable, unique message id: `m_` + 10 chars of time + 16 chars of randomness (ULID form). */
export function messageId(nowMs: number, random: Random, head = idTimePart(nowMs)): string {
  let tail = '';
  for (const byte of random.bytes(16)) tail += CROCKFORD[byte & 31];
  return `m_${head}${tail}`;
}

/**
 * The `message` event frame, newline-terminated: exactly what
 * `JSON.stringify(event('message', 'chat', {id, from, to, text, sent_at}))` gives,
 * built without an intermediate object. `id` and `sentAt` need no escaping.
 */
export function messageFrame(
  id: string,
  from: string,
  to: string,
  text: string,
  sentAt: string,
): string {
  return `{"event":"message","tag":"chat","data":{"id":"${id}","from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"text":${JSON.stringify(text)},"sent_at":"${sentAt}"}}\n`;
}

/** Routes direct messages to the recipient's live sessions. */
export class Messages {
  /** Messages handed to a recipient session since start (for /metrics). */
  delivered = 0;
  /** The last millisecond formatted, as an id's time part and in ISO 8601: many messages share one. */
  private stamped = { ms: Number.NaN, idHead: '', iso: '' };

  constructor(
    private readonly sessions: Sessions,
    /** session.sessions_per_user: when a user has that many here, none can be elsewhere. */
    private readonly perUser: number,
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /**
   * Sends `text` from `from` to the user named `to`; not_found / not_online when it cannot.
   * Synchronous when every session the recipient can have is on this node (the common case).
   */
  sendDirect(from: string, to: string, text: string): SendResult | Promise<SendResult> {
    const local = this.sessions.ofUsername(to);
    const first = local[0];
    if (first && local.length >= this.perUser) {
      return this.deliver(from, first.user, local.length, text);
    }
    return this.recipient(to).then((r) => this.deliver(from, r, r.sessions, text));
  }

  /** Delivers; the result waits while the way to another node is backed up. */
  private deliver(
    from: string,
    to: { id: number; username: string },
    sessions: number,
    text: string,
  ): SendResult | Promise<SendResult> {
    const stamp = this.stamp(this.clock.now());
    const id = messageId(stamp.ms, this.random, stamp.idHead);
    // Serialised once, however many sessions (on however many nodes) receive it.
    const frame = messageFrame(id, from, to.username, text, stamp.iso);
    const backlog = this.sessions.deliver(to.id, frame, sessions);
    this.delivered += sessions;
    const result = { id, delivered: true };
    return backlog ? backlog.then(() => result) : result;
  }

  private stamp(ms: number): { ms: number; idHead: string; iso: string } {
    if (ms !== this.stamped.ms) {
      this.stamped = { ms, idHead: idTimePart(ms), iso: new Date(ms).toISOString() };
    }
    return this.stamped;
  }

  /** The online recipient on any node, by presence; else not_found / not_online. */
  private async recipient(to: string): Promise<PresentUser> {
    const present = await this.sessions.find(to);
    if (present) return present;
    const user = await this.storage.findUserByName(to);
    if (!user) throw new ActionError('not_found', `no user ${to}`);
    // Look again: the recipient may have logged in while the lookup ran.
    const late = await this.sessions.find(user.username);
    if (!late) throw new ActionError('not_online', `${user.username} is not online`);
    return late;
  }
}
