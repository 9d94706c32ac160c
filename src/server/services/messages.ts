// Direct messages between live sessions.
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
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Sends `text` from `from` to the user named `to`; not_found / not_online when it cannot. */
  async sendDirect(from: string, to: string, text: string): Promise<SendResult> {
    let targets = this.sessions.ofUsername(to);
    let recipient = targets[0]?.user.username;
    if (recipient === undefined) {
      const user = await this.storage.findUserByName(to);
      if (!user) throw new ActionError('not_found', `no user ${to}`);
      // Re-read: the recipient may have logged in while the lookup ran.
      targets = this.sessions.ofUser(user.id);
      recipient = user.username;
      if (targets.length === 0)
        throw new ActionError('not_online', `${user.username} is not online`);
    }
    const id = messageId(this.clock, this.random);
    const data = {
      id,
      from,
      to: recipient,
      text,
      sent_at: new Date(this.clock.now()).toISOString(),
    };
    for (const session of targets) session.peer.sendEvent('message', 'chat', data);
    this.delivered += targets.length;
    return { id, delivered: true };
  }
}
