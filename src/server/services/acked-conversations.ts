// What an ack of a direct conversation needs, kept per session after its first lookup: the
// conversation's id and the user's delivery cursor as this node knows it exactly, so the
// steady acks of a chat cost no read of storage. Kept only where nothing but this session
// moves the cursor (sessions_per_user 1: one session per user on all nodes): its own acks,
// and its own messages, which move it along as storage does (cursor-moves.ts: a cursor
// just below the sender's message moves onto it). When an ack of the session was not yet
// written as its message committed, storage may have moved it either way: forgotten then.

/** A direct conversation this session acked: its id and the cursor as storage holds it. */
export interface AckedConversation {
  readonly convId: number;
  cursor: number;
}

/** Conversations kept per session at most; beyond, its entries start again. */
const PER_SESSION_MAX = 1_000;

/** The direct conversations each session acked, by canonical key. */
export class AckedConversations<S extends object> {
  private readonly bySession = new WeakMap<S, Map<string, AckedConversation>>();

  constructor(
    /** True while an ack of the session in the conversation is noted and not yet written. */
    private readonly unwritten: (session: S, convId: number) => boolean,
  ) {}

  /** The kept conversation, if the session acked it before. */
  get(session: S, key: string): AckedConversation | undefined {
    return this.bySession.get(session)?.get(key);
  }

  /** Keeps what a lookup found: the conversation's id and the cursor after the ack. */
  remember(session: S, key: string, convId: number, cursor: number): void {
    let kept = this.bySession.get(session);
    if (!kept) {
      kept = new Map();
      this.bySession.set(session, kept);
    }
    if (kept.size >= PER_SESSION_MAX) kept.clear();
    kept.set(key, { convId, cursor });
  }

  /**
   * The session's own message at `seq` committed. With an ack of the session in this
   * conversation not yet written, whether storage saw it first is unknown: forgotten.
   */
  sent(session: S, key: string, seq: number): void {
    const kept = this.bySession.get(session);
    const known = kept?.get(key);
    if (!kept || !known) return;
    if (this.unwritten(session, known.convId)) kept.delete(key);
    else if (known.cursor === seq - 1) known.cursor = seq;
  }
}
