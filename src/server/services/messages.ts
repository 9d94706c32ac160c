// Direct messages between live sessions.
import type { PresentUser } from '../../broker/broker.ts';
import { event } from '../../protocol/envelope.ts';
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

/** A sortable, unique message id: `m_` + 10 chars of time + 16 chars of randomness (ULID form). */
export function messageId(clock: Clock, random: Random): string {
  let time = clock.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  let tail = '';
  for (const byte of random.bytes(16)) tail += CROCKFORD[byte & 31];
  return `m_${head}${tail}`;
}

/** Routes direct messages to the recipient's live sessions. */
export class Messages {
  /** Messages handed to a recipient session since start (for /metrics). */
  delivered = 0;

  constructor(
    private readonly sessions: Sessions,
    /** session.sessions_per_user: when a user has that many here, none can be elsewhere. */
    private readonly perUser: number,
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Sends `text` from `from` to the user named `to`; not_found / not_online when it cannot. */
  async sendDirect(from: string, to: string, text: string): Promise<SendResult> {
    const recipient = await this.recipient(to);
    const id = messageId(this.clock, this.random);
    const data = {
      id,
      from,
      to: recipient.username,
      text,
      sent_at: new Date(this.clock.now()).toISOString(),
    };
    // Serialised once, however many sessions (on however many nodes) receive it.
    const frame = `${JSON.stringify(event('message', 'chat', data))}\n`;
    this.sessions.deliver(recipient.id, frame, recipient.sessions);
    this.delivered += recipient.sessions;
    return { id, delivered: true };
  }

  /** The online recipient: this node's sessions when they are all it can have, else presence. */
  private async recipient(to: string): Promise<PresentUser> {
    const local = this.sessions.ofUsername(to);
    const first = local[0];
    if (first && local.length >= this.perUser) {
      return { id: first.user.id, username: first.user.username, sessions: local.length };
    }
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
