// Group commit: items added during one event-loop turn are committed together,
// in ONE call of `commit` at the end of the turn (setImmediate); each add's
// promise settles only after its group's commit, so a reply never runs ahead of it.
// One commit runs at a time: on an asynchronous store (PostgreSQL) what arrives while
// a commit is on its way waits for it and goes into the next, larger group. So groups
// commit in the order their items came (a session's pipelined sends keep their order
// in seq), and a loaded node runs few large transactions, not many small ones that
// queue for the pool and for each other's row locks. A synchronous store (SQLite)
// finishes each commit within its turn, so nothing changes there.

/** Commits a group of items at once; returns one result per item, in order. */
export type CommitFn<I, R> = (items: I[]) => R[] | Promise<R[]>;

/** Where an item joined: its group's results (once committed) and its place in them. */
export interface Ticket<R> {
  readonly group: Promise<R[]>;
  readonly index: number;
}

/** One group being filled: its items and the promise all of them wait on. */
class Group<I, R> {
  readonly items: I[] = [];
  readonly done: Promise<R[]>;
  resolve!: (results: R[]) => void;
  reject!: (err: unknown) => void;

  constructor() {
    this.done = new Promise<R[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A group nobody waits on (all its callers gone) must not become an unhandled rejection.
    this.done.catch(ignore);
  }
}

function ignore(): void {}

/** Collects items for one commit per event-loop turn, one commit at a time. */
export class CommitBatcher<I, R> {
  /** The longest commit so far (ms), for metrics and benchmarks. */
  longestCommitMs = 0;
  /** Commits run and items committed, for metrics. */
  commits = 0;
  items = 0;
  /** Groups waiting for their commit, oldest first; only the last one takes new items. */
  private readonly waiting: Array<Group<I, R>> = [];
  /** The commit on its way, if any. */
  private running: Promise<void> | undefined;
  private scheduled = false;
  private readonly runNow = () => {
    this.scheduled = false;
    void this.next();
  };

  constructor(
    private readonly commit: CommitFn<I, R>,
    /** A group is closed at this size: the next items start the next group. */
    private readonly maxBatch = 10_000,
    private readonly now: () => number = () => performance.now(),
    /** Told each commit's size and duration (ms), for metrics; failed commits too. */
    private readonly onCommit?: (size: number, ms: number) => void,
  ) {}

  /** True while a commit runs or a group waits for one. */
  get busy(): boolean {
    return this.running !== undefined || this.waiting.length > 0;
  }

  /**
   * Queues `item` for this turn's commit. One promise per group, not per item: a
   * turn's hundreds of sends wait on the same one and pick their result by index.
   */
  join(item: I): Ticket<R> {
    let group = this.waiting[this.waiting.length - 1];
    if (group === undefined || group.items.length >= this.maxBatch) {
      group = new Group<I, R>();
      this.waiting.push(group);
    }
    const index = group.items.push(item) - 1;
    const ticket: Ticket<R> = { group: group.done, index };
    if (this.running === undefined) {
      // A full group goes at once; otherwise at the end of the turn.
      if (group.items.length >= this.maxBatch) void this.next();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.runNow);
      }
    }
    return ticket;
  }

  /** Queues `item` for this turn's commit; resolves with its result once committed. */
  async add(item: I): Promise<R> {
    const { group, index } = this.join(item);
    return (await group)[index] as R;
  }

  /** Commits everything queued now (at shutdown); resolves once the last group is done. */
  async flush(): Promise<void> {
    while (this.running !== undefined || this.waiting.length > 0) {
      await (this.running ?? this.next());
    }
  }

  /** Starts the oldest waiting group's commit unless one is running; the next follows it. */
  private next(): Promise<void> {
    if (this.running !== undefined) return this.running;
    const group = this.waiting.shift();
    if (group === undefined) return Promise.resolve();
    const running = this.run(group).finally(() => {
      this.running = undefined;
      // What came meanwhile: committed as soon as this one is done, not a turn later.
      if (this.waiting.length > 0) void this.next();
    });
    this.running = running;
    return running;
  }

  private async run(group: Group<I, R>): Promise<void> {
    const { items } = group;
    const started = this.now();
    let results: R[];
    try {
      results = await this.commit(items);
      if (results.length !== items.length) throw new Error('commit returned the wrong count');
    } catch (err) {
      group.reject(err);
      return;
    } finally {
      const ms = this.now() - started;
      this.longestCommitMs = Math.max(this.longestCommitMs, ms);
      this.onCommit?.(items.length, ms);
    }
    this.commits++;
    this.items += items.length;
    group.resolve(results);
  }
}
