// Reading stored conversations: history pages, the conversation list with unread
// counts, and read markers with their receipts.
import { ActionError } from '../../protocol/errors.ts';
import type { Storage } from '../../storage/storage.ts';
import type { ConvDirectory } from './conv-directory.ts';
import type { WireMessage } from './message-frames.ts';
import type { Session, Sessions } from './sessions.ts';

/** One entry of `conversations`. */
export interface ConversationSummary {
  conv: string;
  kind: string;
  title: string;
  last_seq: number;
  read_seq: number;
  unread: number;
  /** direct conversations with read receipts on: how far the other user has read */
  peer_read_seq?: number;
  last: WireMessage | null;
}

/** history, conversations and mark_read. */
export class ConversationReading {
  constructor(
    private readonly storage: Storage,
    private readonly directory: ConvDirectory,
    private readonly sessions: Sessions,
    private readonly options: { readReceipts: boolean; perUser: number },
  ) {}

  /** The `limit` messages below `beforeSeq` (null: the newest), ascending. */
  async history(
    session: Session,
    conv: string,
    beforeSeq: number | null,
    limit: number,
  ): Promise<{ conv: string; messages: WireMessage[]; more: boolean }> {
    const { key, member } = await this.directory.resolve(session.user, conv);
    if (!member) return { conv: key, messages: [], more: false };
    const page = await this.storage.conversations.history(member.id, beforeSeq, limit);
    const messages = await Promise.all(page.messages.map((m) => this.directory.wire(m)));
    return { conv: key, messages, more: page.more };
  }

  /** The caller's conversations, most recent activity first. */
  async list(
    session: Session,
    limit: number,
    after: string | undefined,
  ): Promise<{ conversations: ConversationSummary[]; total: number }> {
    const me = session.user.id;
    const page = await this.storage.conversations.listConversations(me, limit, after);
    const conversations = await Promise.all(
      page.items.map(async (c) => {
        const other = c.members.find((id) => id !== me) ?? me;
        const summary: ConversationSummary = {
          conv: c.key,
          kind: c.kind,
          title: c.kind === 'direct' ? await this.directory.nameOf(other) : c.key,
          last_seq: c.lastSeq,
          read_seq: c.readSeq,
          unread: Math.max(0, c.lastSeq - c.readSeq),
          last: c.last && (await this.directory.wire(c.last)),
        };
        const peerRead = await this.peerReadSeq(c.kind, c.id, other, me);
        if (peerRead !== undefined) summary.peer_read_seq = peerRead;
        return summary;
      }),
    );
    return { conversations, total: page.total };
  }

  /**
   * The other user's read marker in a direct conversation: what the `read` receipts told
   * a client that was online, for one that was not. Undefined for groups, notes to self,
   * and when read receipts are off (the marker is then the other user's own business).
   */
  private async peerReadSeq(
    kind: string,
    convId: number,
    other: number,
    me: number,
  ): Promise<number | undefined> {
    if (kind !== 'direct' || other === me || !this.options.readReceipts) return undefined;
    return (await this.storage.conversations.membership(other, convId))?.readSeq ?? 0;
  }

  /** Moves the read marker forward; a move in a direct conversation tells the other user. */
  async markRead(
    session: Session,
    conv: string,
    seq: number,
  ): Promise<{ conv: string; read_seq: number; unread: number }> {
    const me = session.user;
    const { key, member } = await this.directory.resolve(me, conv);
    const last = member?.lastSeq ?? 0;
    if (seq > last) {
      throw new ActionError('invalid_input', `input 2 (seq) is above the last seq ${last}`);
    }
    if (!member) return { conv: key, read_seq: 0, unread: 0 };
    const read = await this.storage.conversations.markRead(me.id, member.id, seq);
    if (read > member.readSeq && this.options.readReceipts && member.kind === 'direct') {
      const pair = key.split(':').slice(1).map(Number);
      const other = pair.find((id) => id !== me.id);
      if (other !== undefined) {
        const frame = `${JSON.stringify({ event: 'read', tag: 'system', data: { conv: key, seq: read, by: me.username } })}\n`;
        this.sessions.deliver(other, frame, this.options.perUser);
      }
    }
    return { conv: key, read_seq: read, unread: Math.max(0, last - read) };
  }
}
