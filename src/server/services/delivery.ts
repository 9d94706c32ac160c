// Per-session delivery of stored messages: the replay after set_user, `sync`, and the
// rule that a session gets each message at most once and a conversation's seq never
// goes backwards or skips (a gap, from another process, is filled from storage first).
import type { ConversationStore, StoredMessage } from '../../storage/conversations.ts';
import { TimeSlicer } from '../../util/time-slicer.ts';
import { framePosition } from './message-frames.ts';
import type { Session } from './sessions.ts';

const OWN_MAX = 1_000;
/** Frame positions remembered: a group batch's frames go to many sessions in turn. */
const POSITIONS_MAX = 128;

/** Work that must run in order with a session's frames. */
type Task = () => Promise<void>;

/** One session's place in its conversations; only those active in the session are kept. */
class Feed {
  /** The highest seq sent to this session, per conversation id. */
  readonly sent = new Map<number, number>();
  readonly queue: Array<string | Task> = [];
  /**
   * This session's own messages it has not passed yet (it has their reply), by `conv:seq`;
   * made on first use (an empty Set costs 150 bytes, and most sessions never need one).
   */
  own: Set<string> | undefined;
  /** True while a task (replay, sync, a gap fill) runs, and before the replay started. */
  running = true;
}

/** What delivery needs besides the store. */
export interface DeliveryDeps {
  store: ConversationStore;
  /** A stored message's frame (replayed or not). */
  frame(m: StoredMessage, replayed: boolean): Promise<string>;
  /**
   * The user's acknowledged cursor in a conversation, counting acks not yet written;
   * undefined when the user is not a member (then nothing of it is sent).
   */
  cursorOf(userId: number, convId: number): Promise<number | undefined>;
  /** Writes noted cursors, so a backlog read does not send what was acked. */
  flushCursors(): Promise<void>;
  onError(err: unknown): void;
  /** Shares the loop between replays (one per process); a fresh one by default. */
  slicer?: TimeSlicer;
}

// How many replayed messages are sent between two looks at the time slice.
const SLICE_CHECK_EVERY = 32;

/** The result of a replay or a `sync`. */
export interface SyncResult {
  replayed: number;
  more: boolean;
}

/** The feeds of this node's sessions. */
export class Delivery {
  private readonly feeds = new WeakMap<Session, Feed>();
  /** Messages handed to sessions, for /metrics. */
  delivered = 0;
  /** Of those, the ones sent by a replay or a sync (`replayed: true`). */
  replayed = 0;
  /** Positions of the frames seen last (a frame string is read once, however many get it). */
  private positions = new Map<string, { convId: number; seq: number } | undefined>();

  private readonly slicer: TimeSlicer;

  constructor(private readonly deps: DeliveryDeps) {
    this.slicer = deps.slicer ?? new TimeSlicer();
  }

  /** Every frame for a session comes through here (see Sessions.routeFrames). */
  route(session: Session, frame: string): void {
    const feed = this.feedOf(session);
    if (feed.running || feed.queue.length > 0) feed.queue.push(frame);
    else this.handle(session, feed, frame);
  }

  /** Opens the session's feed; returns the replay to run right after the set_user reply. */
  begin(session: Session, limit: number): () => void {
    const feed = this.feedOf(session);
    return () => {
      feed.queue.unshift(() => this.replay(session, feed, limit).then(() => undefined));
      void this.pump(session, feed);
    };
  }

  /** Pushes the next pending messages the session was not sent, in order with its other frames. */
  sync(session: Session, limit: number): Promise<SyncResult> {
    const feed = this.feedOf(session);
    return new Promise((resolve, reject) => {
      feed.queue.push(() => this.push(session, feed, limit).then(resolve, reject));
      if (!feed.running) void this.pump(session, feed);
    });
  }

  /**
   * Starts the session's place in a conversation at `seq` (its stored cursor) unless it
   * has one, or (`reset`: a new member) whatever it had: a live message just above goes
   * out without reading the cursor from storage.
   */
  seed(session: Session, convId: number, seq: number, reset = false): void {
    const feed = this.feedOf(session);
    if (reset || !feed.sent.has(convId)) feed.sent.set(convId, seq);
  }

  /**
   * Forgets the session's place in a conversation it is no longer a member of, so that
   * joining again never fills the gap with what was sent while it was away.
   */
  forget(session: Session, convId: number): void {
    this.feeds.get(session)?.sent.delete(convId);
  }

  /** The highest seq of the conversation the session has (sent to it, or passed); 0: none. */
  sentUpTo(session: Session, convId: number): number {
    return this.feeds.get(session)?.sent.get(convId) ?? 0;
  }

  /** The sending session has its own message (the reply): it is skipped, never sent to it. */
  noteSent(session: Session, convId: number, seq: number): void {
    const feed = this.feeds.get(session);
    if (!feed) return;
    // Past the own messages kept aside first: after one crossing, a session that goes on
    // sending alone moves on instead of keeping every later message aside.
    const sent = feed.sent.get(convId);
    if (sent !== undefined && this.passOwn(feed, convId, sent) === seq - 1)
      feed.sent.set(convId, seq);
    else {
      // Usually passed soon; a session that never is keeps at most OWN_MAX of them.
      feed.own ??= new Set();
      if (feed.own.size >= OWN_MAX) feed.own.clear();
      feed.own.add(`${convId}:${seq}`);
    }
  }

  private feedOf(session: Session): Feed {
    let feed = this.feeds.get(session);
    if (!feed) {
      feed = new Feed();
      this.feeds.set(session, feed);
    }
    return feed;
  }

  private async replay(session: Session, feed: Feed, limit: number): Promise<void> {
    const result = await this.push(session, feed, limit);
    session.peer.sendEvent('synced', 'system', result);
  }

  /** Sends the backlog above the cursors and above what this session was sent. */
  private push(session: Session, feed: Feed, limit: number): Promise<SyncResult> {
    return this.slicer.run(() => this.pushNow(session, feed, limit));
  }

  private async pushNow(session: Session, feed: Feed, limit: number): Promise<SyncResult> {
    await this.deps.flushCursors();
    // Stored reads and frames resolve at once: without turns, many replays at once
    // would hold the event loop (no socket read, no timer) until all were done.
    await this.slicer.turn();
    const page = await this.deps.store.backlog(session.user.id, feed.sent, limit);
    let sinceCheck = 0;
    for (const m of page.messages) {
      if (++sinceCheck === SLICE_CHECK_EVERY) {
        sinceCheck = 0;
        await this.slicer.turn();
      }
      if (this.send(session, feed, await this.deps.frame(m, true), m.convId, m.seq)) {
        this.replayed++;
      }
    }
    return { replayed: page.messages.length, more: page.more };
  }

  /** Runs queued frames and tasks in order until the queue is empty. */
  private async pump(session: Session, feed: Feed): Promise<void> {
    feed.running = true;
    while (feed.queue.length > 0) {
      const item = feed.queue.shift() as string | Task;
      try {
        if (typeof item === 'string') {
          const fill = this.handle(session, feed, item);
          if (fill) await fill;
        } else {
          await item();
        }
      } catch (err) {
        this.deps.onError(err);
      }
    }
    feed.running = false;
  }

  /** Sends a live frame now when it is next in its conversation; else a promise filling the gap. */
  private handle(session: Session, feed: Feed, frame: string): Promise<void> | undefined {
    const at = this.positionOf(frame);
    if (!at) {
      session.peer.sendFrame(frame);
      return undefined;
    }
    let sent = feed.sent.get(at.convId);
    if (sent !== undefined && at.seq > sent + 1) sent = this.passOwn(feed, at.convId, sent);
    if (sent !== undefined && at.seq <= sent) return undefined;
    if (sent !== undefined && at.seq === sent + 1) {
      this.send(session, feed, frame, at.convId, at.seq);
      return undefined;
    }
    if (feed.running) return this.fill(session, feed, frame, at.convId, at.seq, sent);
    feed.queue.unshift(frame);
    void this.pump(session, feed);
    return undefined;
  }

  /**
   * Moves the session's place past its own messages right after `sent` (it has their
   * replies): a partner's message that crossed one of them is next, not behind a gap to
   * read from storage. Returns the new place.
   */
  private passOwn(feed: Feed, convId: number, sent: number): number {
    const own = feed.own;
    if (own === undefined || own.size === 0) return sent;
    let at = sent;
    while (own.delete(`${convId}:${at + 1}`)) at++;
    if (at !== sent) feed.sent.set(convId, at);
    return at;
  }

  /** A frame's position; a group frame handed to many sessions is read once. */
  private positionOf(frame: string): { convId: number; seq: number } | undefined {
    let at = this.positions.get(frame);
    if (at === undefined && !this.positions.has(frame)) {
      at = framePosition(frame);
      if (this.positions.size >= POSITIONS_MAX) this.positions = new Map();
      this.positions.set(frame, at);
    }
    return at;
  }

  /** Sends the frame unless it is the session's own message; true when it was sent. */
  private send(session: Session, feed: Feed, frame: string, convId: number, seq: number): boolean {
    feed.sent.set(convId, seq);
    if (feed.own !== undefined && feed.own.size > 0 && feed.own.delete(`${convId}:${seq}`)) {
      return false;
    }
    session.peer.sendFrame(frame);
    this.delivered++;
    return true;
  }

  /** Sends what lies between what the session has and `seq` from storage, then the frame. */
  private async fill(
    session: Session,
    feed: Feed,
    frame: string,
    convId: number,
    seq: number,
    sent: number | undefined,
  ): Promise<void> {
    const base = sent ?? (await this.deps.cursorOf(session.user.id, convId));
    // Not a member (left a group as the frame travelled): no gap is filled, nothing sent.
    if (base === undefined) return;
    if (seq <= base) {
      if (sent === undefined) feed.sent.set(convId, base);
      return;
    }
    if (seq > base + 1) {
      for (const m of await this.deps.store.range(convId, base, seq - 1, seq - 1 - base)) {
        // Passed while the read ran (an async store: PostgreSQL): the sending session's own
        // message, noted by its reply meanwhile, is never sent to it.
        if (m.seq <= (feed.sent.get(convId) ?? base)) continue;
        this.send(session, feed, await this.deps.frame(m, false), convId, m.seq);
      }
    }
    this.send(session, feed, frame, convId, seq);
  }
}
