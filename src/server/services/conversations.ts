// Stored conversations: sending is storing (group commit, then the reply and the
// live push), delivery cursors (ack), sync, and the replay after set_user.
import type { Logger } from 'pino';
import { JsonText } from '../../protocol/envelope.ts';
import { ActionError } from '../../protocol/errors.ts';
import {
  type AppendResult,
  directKey,
  type Membership,
  type NewMessage,
} from '../../storage/conversations.ts';
import type { Storage } from '../../storage/storage.ts';
import { CommitBatcher, type Ticket } from '../../util/commit-batcher.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { AckedConversations } from './acked-conversations.ts';
import { ConvDirectory } from './conv-directory.ts';
import { CursorWriter } from './cursor-writer.ts';
import { Delivery, type SyncResult } from './delivery.ts';
import { sendReplyJson, storedMessageFrame, storedMessageId } from './message-frames.ts';
import { RetentionJob } from './retention.ts';
import type { Session, Sessions } from './sessions.ts';

/** The reply to a stored message_user. */
export interface StoredSendResult {
  id: string;
  conv: string;
  seq: number;
  delivered: boolean;
  duplicate?: true;
}

/** A group the session is an online member of: its id and canonical key. */
export interface OnlineGroup {
  convId: number;
  key: string;
}

/** A recipient as found before the commit: who, and how many live sessions. */
interface Recipient {
  id: number;
  username: string;
  sessions: number;
}

/** Sending, delivery and cursors of stored conversations. */
export class Conversations {
  readonly directory: ConvDirectory;
  readonly delivery: Delivery;
  readonly cursors: CursorWriter;
  readonly batcher: CommitBatcher<NewMessage, AppendResult>;
  /** The store's epoch, for the hello (loaded by init). */
  epoch = '';
  /**
   * Set by the groups service: the group a `conv` input names when the session is in its
   * online index (so a member), else undefined. Lets an ack skip the group lookups.
   */
  onlineGroup: ((session: Session, conv: string) => OnlineGroup | undefined) | undefined;
  /** Messages written (a duplicate send is not), by kind, and cursor positions acked; for /metrics. */
  readonly totals = { storedDirect: 0, storedGroup: 0, acked: 0 };
  private readonly perUser: number;
  /** Direct conversations each session acked: later acks need no lookup (one session per user). */
  private readonly acked = new AckedConversations<Session>(
    (session, convId) => this.cursors.peek(session.user.id, convId) !== undefined,
  );
  private readonly retention: RetentionJob;
  /** Per session: resolves once its latest send joined the batch. */
  private readonly enqueued = new WeakMap<Session, Promise<void>>();
  private lastIsoAt = Number.NaN;
  private lastIso = '';

  constructor(
    private readonly storage: Storage,
    private readonly sessions: Sessions,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Told each group commit's size and duration (ms), for metrics. */
    observeCommit?: (size: number, ms: number) => void,
  ) {
    const store = storage.conversations;
    this.perUser = config.session.sessions_per_user;
    this.directory = new ConvDirectory(storage, () => clock.now());
    this.cursors = new CursorWriter(store, log, () => this.batcher.busy);
    this.batcher = new CommitBatcher(
      (items) => this.commit(items),
      undefined,
      undefined,
      observeCommit,
    );
    this.delivery = new Delivery({
      store,
      frame: (m, replayed) => this.directory.frame(m, replayed),
      cursorOf: (userId, convId) => this.cursorOf(userId, convId),
      flushCursors: () => this.cursors.flush(),
      onError: (err) => log.error({ err }, 'delivering stored messages failed'),
    });
    this.retention = new RetentionJob(store, clock, log, {
      retentionDays: config.messages.retention_days,
      dedupWindowS: config.messages.dedup_window_s,
    });
  }

  /** Loads the epoch, routes every session frame through delivery, starts retention. */
  async init(): Promise<void> {
    this.epoch = await this.storage.conversations.epoch();
    this.sessions.routeFrames((session, frame) => this.delivery.route(session, frame));
    this.retention.start();
  }

  /** Writes what is waiting (messages of this turn, cursors) and stops retention; for shutdown. */
  async flush(): Promise<void> {
    await this.retention.stop();
    await this.batcher.flush();
    await this.cursors.flush();
    const { commits, items, longestCommitMs } = this.batcher;
    this.log.info(
      { commits, messages: items, longest_commit_ms: Number(longestCommitMs.toFixed(2)) },
      'message commits since start',
    );
  }

  /**
   * Stores a direct message, then answers and pushes it to the live sessions. The
   * common case (the recipient's sessions all here, no earlier send of this session
   * still looking its recipient up) joins the commit at once, without a lookup promise.
   * Resolves with the reply data (StoredSendResult) serialised.
   */
  send(
    session: Session,
    to: string,
    text: string,
    clientId: string | undefined,
  ): Promise<JsonText> {
    if (!this.enqueued.has(session)) {
      const local = this.localRecipient(to);
      if (local)
        return this.finish(
          session,
          local,
          text,
          clientId,
          this.enqueue(session, local, text, clientId),
        );
    }
    return this.sendAfterLookup(session, to, text, clientId);
  }

  /** `send` when the recipient must be looked up (broker, storage) first. */
  private async sendAfterLookup(
    session: Session,
    to: string,
    text: string,
    clientId: string | undefined,
  ): Promise<JsonText> {
    // Pipelined sends of one session join the batch in the order they were sent, even
    // when their recipient lookups finish out of order.
    const before = this.enqueued.get(session);
    let added: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      added = resolve;
    });
    this.enqueued.set(session, gate);
    let target: Recipient;
    let ticket: Ticket<AppendResult>;
    try {
      target = await this.recipient(to);
      if (before) await before;
      ticket = this.enqueue(session, target, text, clientId);
    } finally {
      added();
      if (this.enqueued.get(session) === gate) this.enqueued.delete(session);
    }
    return this.finish(session, target, text, clientId, ticket);
  }

  /** Adds the message to this turn's commit. */
  private enqueue(
    session: Session,
    target: Recipient,
    text: string,
    clientId: string | undefined,
  ): Ticket<AppendResult> {
    const me = session.user;
    this.directory.learn(me.id, me.username);
    this.directory.learn(target.id, target.username);
    const self = target.id === me.id;
    return this.batcher.join({
      key: directKey(me.id, target.id),
      kind: 'direct',
      members: self ? [me.id] : [me.id, target.id],
      senderId: me.id,
      text,
      sentAt: this.clock.now(),
      clientId: clientId ?? null,
      delivered: self || target.sessions > 0,
    });
  }

  /**
   * After the commit: the reply, and the frame for the recipient's sessions. Awaits the
   * group at once, so the sends of a turn go on in the order they joined it (seq order).
   */
  private async finish(
    session: Session,
    target: Recipient,
    text: string,
    clientId: string | undefined,
    ticket: Ticket<AppendResult>,
  ): Promise<JsonText> {
    let result: AppendResult;
    try {
      result = (await ticket.group)[ticket.index] as AppendResult;
    } catch (err) {
      throw storeError(err);
    }
    const me = session.user;
    const self = target.id === me.id;
    const reply: StoredSendResult = {
      id: storedMessageId(result.convId, result.seq),
      conv: result.conv,
      seq: result.seq,
      delivered: result.delivered,
    };
    if (result.duplicate) return new JsonText(sendReplyJson(reply, true));
    this.delivery.noteSent(session, result.convId, result.seq);
    this.acked.sent(session, result.conv, result.seq);
    const frame = storedMessageFrame(
      {
        id: reply.id,
        conv: reply.conv,
        seq: reply.seq,
        from: me.username,
        to: target.username,
        text,
        sent_at: this.isoTime(result.sentAt),
        ...(clientId === undefined ? {} : { client_id: clientId }),
      },
      false,
    );
    // Presence may have changed while the commit ran: an offline recipient is looked up again.
    const sessions = target.sessions > 0 ? target.sessions : await this.lateSessions(target);
    const backlog = this.sessions.deliver(target.id, frame, sessions);
    if (this.perUser > 1 && !self) this.sessions.deliver(me.id, frame, this.perUser);
    if (backlog) await backlog;
    return new JsonText(sendReplyJson(reply, false));
  }

  /** The ISO form of a send time; the sends of a turn mostly share their millisecond. */
  private isoTime(at: number): string {
    if (at !== this.lastIsoAt) {
      this.lastIsoAt = at;
      this.lastIso = new Date(at).toISOString();
    }
    return this.lastIso;
  }

  /** `ack`: the user's clients have everything up to `seq`; returns the cursor after it. */
  async ack(session: Session, conv: string, seq: number): Promise<{ conv: string; seq: number }> {
    const quick = this.ackKnown(session, conv, seq);
    if (quick) return quick;
    const { key, member } = await this.ackTarget(session, conv);
    const last = member?.lastSeq ?? 0;
    if (seq > last) {
      throw new ActionError('invalid_input', `input 2 (seq) is above the last seq ${last}`);
    }
    if (!member) return { conv: key, seq: 0 };
    const cursor = this.advance(session.user.id, member.id, member.deliveredSeq, seq);
    if (this.perUser === 1 && member.kind === 'direct' && conv === key) {
      this.acked.remember(session, key, member.id, cursor);
    }
    return { conv: key, seq: cursor };
  }

  /**
   * An ack of a direct conversation the session acked before, up to a seq it was sent:
   * answered from what this node knows (acked-conversations.ts), without a lookup.
   */
  private ackKnown(
    session: Session,
    conv: string,
    seq: number,
  ): { conv: string; seq: number } | undefined {
    const known = this.acked.get(session, conv);
    if (!known || seq > this.delivery.sentUpTo(session, known.convId)) return undefined;
    known.cursor = this.advance(session.user.id, known.convId, known.cursor, seq);
    return { conv, seq: known.cursor };
  }

  /**
   * Moves the user's cursor to `seq` unless it (as stored, or noted and not yet written)
   * is there already; returns the cursor after it.
   */
  private advance(userId: number, convId: number, stored: number, seq: number): number {
    const before = Math.max(stored, this.cursors.peek(userId, convId) ?? 0);
    if (seq <= before) return before;
    this.cursors.note(userId, convId, seq);
    this.totals.acked += seq - before;
    return seq;
  }

  /**
   * The conversation an ack names and the caller's membership. A group the session is an
   * online member of costs one read (its cursor), not the group and standing lookups: the
   * online index holds members only (leave, kick, ban and delete take sessions out at once).
   */
  private async ackTarget(
    session: Session,
    conv: string,
  ): Promise<{ key: string; member: Membership | undefined }> {
    const group = this.onlineGroup?.(session, conv);
    if (group) {
      const member = await this.storage.conversations.membership(session.user.id, group.convId);
      if (member) return { key: group.key, member };
    }
    return this.directory.resolve(session.user, conv);
  }

  /** `sync`: pushes the next pending messages this session was not sent. */
  sync(session: Session, limit: number | undefined): Promise<SyncResult> {
    const max = this.config.messages.replay_limit;
    return this.delivery.sync(session, Math.min(limit ?? max, max));
  }

  /** For set_user: opens the session's feed; returns the replay to run after the reply. */
  begin(session: Session): () => void {
    this.directory.learn(session.user.id, session.user.username);
    return this.delivery.begin(session, this.config.messages.replay_limit);
  }

  /** Commits one message with this turn's others; server_busy when the store is locked. */
  async store(message: NewMessage): Promise<AppendResult> {
    try {
      return await this.batcher.add(message);
    } catch (err) {
      throw storeError(err);
    }
  }

  private async commit(items: NewMessage[]): Promise<AppendResult[]> {
    // The acks waiting now go first, in the same transaction, so a sender's cursor is
    // current when its message moves it.
    const since = this.clock.now() - this.config.messages.dedup_window_s * 1000;
    const results = await this.cursors.carry((acks) =>
      this.storage.conversations.append(items, since, acks),
    );
    for (let i = 0; i < results.length; i++) {
      if (results[i]?.duplicate) continue;
      if (items[i]?.kind === 'group') this.totals.storedGroup++;
      else this.totals.storedDirect++;
    }
    return results;
  }

  private async cursorOf(userId: number, convId: number): Promise<number | undefined> {
    const member = await this.storage.conversations.membership(userId, convId);
    if (!member) return undefined;
    return Math.max(member.deliveredSeq, this.cursors.peek(userId, convId) ?? 0);
  }

  /** The recipient when all its sessions (as many as a user may have) are on this node. */
  private localRecipient(to: string): Recipient | undefined {
    const local = this.sessions.ofUsername(to);
    const first = local[0];
    if (!first || local.length < this.perUser) return undefined;
    return { id: first.user.id, username: first.user.username, sessions: local.length };
  }

  /** The recipient and its live sessions on every node; not_found for no active account. */
  private async recipient(to: string): Promise<Recipient> {
    const local = this.localRecipient(to);
    if (local) return local;
    const present = await this.sessions.find(to);
    if (present) return present;
    const user = await this.storage.findUserByName(to);
    if (!user || user.pendingUntil !== null) throw new ActionError('not_found', `no user ${to}`);
    return { id: user.id, username: user.username, sessions: 0 };
  }

  private async lateSessions(target: Recipient): Promise<number> {
    return (await this.sessions.find(target.username))?.sessions ?? 0;
  }
}

/** A failed commit as the sender sees it: server_busy when the store is locked. */
function storeError(err: unknown): unknown {
  if ((err as { code?: string }).code === 'SQLITE_BUSY') {
    return new ActionError('server_busy', 'the message store is busy; try again');
  }
  return err;
}
